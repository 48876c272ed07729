/*
 * error.h — the one error enum of the toolkit, and an error record with a message.
 *
 * Codes are only ever appended. Each part of the library owns a range:
 *   1..99 util, 100..199 aws, 200..299 config, 300..399 db, 400..499 storage,
 *   500..599 image, 600..699 auth, 700..799 geo, 800..899 http/serve,
 *   900..999 stages, 1000..1099 migrate.
 *
 * Functions that can fail return an int code (CA_OK == 0) and take an optional
 * `struct ca_err *err` (may be NULL) that receives a sentence a user can act on.
 * The first error set wins: callers add context with ca_err_prefix().
 */
#ifndef CA_ERROR_H
#define CA_ERROR_H

#include <stddef.h>

typedef enum ca_code {
	CA_OK = 0,
	/* util */
	CA_ENOMEM = 1,          /* out of memory */
	CA_EINVAL = 2,          /* invalid argument or input */
	CA_EIO = 3,             /* reading or writing a file failed */
	CA_ENOTFOUND = 4,       /* no such thing */
	CA_ERANGE = 5,          /* value out of range or over a size cap */
	CA_EPARSE = 6,          /* malformed input (JSON, XML, INI, ...) */
	CA_EEXIST = 7,          /* already exists */
	CA_EUNSUPPORTED = 8,    /* valid but not supported here */
	CA_ETIMEOUT = 9,        /* an operation ran out of time */
	/* aws */
	CA_AWS_NO_CREDENTIALS = 100, /* no credentials in any source of the chain */
	CA_AWS_BAD_CREDENTIALS_FILE = 101,
	CA_AWS_NO_REGION = 102,
	CA_AWS_IMDS = 103,           /* instance metadata service failed or unreachable */
	CA_AWS_NETWORK = 104,        /* connection failed, reset, DNS, TLS */
	CA_AWS_TIMEOUT = 105,
	CA_AWS_SERVICE = 106,        /* the service answered with an error (see code/message) */
	CA_AWS_THROTTLED = 107,      /* still throttled after every retry */
	CA_AWS_BAD_RESPONSE = 108,   /* the answer could not be understood */
	CA_AWS_BAD_ENDPOINT = 109,
	CA_AWS_SIGNING = 110,
	/* config */
	CA_CONFIG_SYNTAX = 200,
	CA_CONFIG_UNKNOWN_KEY = 201,
	CA_CONFIG_MISSING_KEY = 202,
	CA_CONFIG_TYPE = 203,
	CA_CONFIG_ENV = 204,         /* ${VAR} unset with no default */
	CA_CONFIG_VALUE = 205,       /* right type, wrong value */
	/* db */
	CA_DB_CONNECT = 300,
	CA_DB_QUERY = 301,
	CA_DB_CONFLICT = 302,        /* unique key taken (e.g. email) */
	CA_DB_NOTFOUND = 303,
	CA_DB_SCHEMA = 304,
	/* storage */
	CA_STORAGE_BAD_NAME = 400,
	CA_STORAGE_IO = 401,
	CA_STORAGE_NOTFOUND = 402,
	/* image */
	CA_IMG_NOT_JPEG = 500,
	CA_IMG_CORRUPT = 501,
	CA_IMG_TOO_LARGE = 502,
	CA_IMG_EXIF = 503,
	CA_IMG_TOO_COMPLEX = 504,    /* decoding would take more work than allowed (scans x pixels) */
	/* auth */
	CA_AUTH_BAD_HASH = 600,      /* stored hash in a format we cannot read */
	CA_AUTH_MISMATCH = 601,      /* password does not match */
	CA_AUTH_BAD_TOKEN = 602,
	CA_AUTH_RATE_LIMITED = 603,
	CA_AUTH_NOT_CONFIRMED = 604, /* the account exists but its email is not verified yet */
	/* geo */
	CA_GEO_NO_DATA = 700,
	/* http / serve */
	CA_HTTP_BAD_REQUEST = 800,
	CA_HTTP_TOO_LARGE = 801,
	CA_HTTP_CSRF = 802,          /* missing or wrong CSRF token */
	CA_HTTP_BAD_MEDIA_TYPE = 803, /* body of a content type the endpoint does not take */
	CA_HTTP_SERVER = 804,        /* the HTTP server could not start or run */
	/* stages */
	CA_STAGE_CONFLICT = 900,     /* existing resource differs in a way we will not change */
	CA_STAGE_STATE = 901,
	CA_STAGE_NOT_EMPTY = 902,   /* destroy refused: the resource holds data (use --force) */
	CA_STAGE_USAGE = 903,       /* bad command line */
	/* migrate */
	CA_MIGRATE_VERIFY = 1000,
	CA_MIGRATE_STATE = 1001,    /* the state file is unreadable or made for another target */
	CA_MIGRATE_INCOMPLETE = 1002, /* a run left users or photos behind (listed in its report) */
	CA_MIGRATE_LOCKED = 1003,   /* another run holds the target lock */
} ca_code;

/* A short, static description of a code ("out of memory"). Never NULL. */
const char *ca_strerror(int code);

#define CA_ERR_MSG_MAX 512

struct ca_err {
	int code;
	char msg[CA_ERR_MSG_MAX];
};

/* Clears an error record (code CA_OK, empty message). NULL is accepted. */
void ca_err_clear(struct ca_err *err);

/*
 * Records code and a printf-style message in err unless it already holds an
 * error, and returns code, so that `return ca_err_set(err, CA_EINVAL, "...")`
 * reads naturally. err may be NULL (then only code is returned).
 */
int ca_err_set(struct ca_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Puts "<context>: " in front of the message already held. NULL is accepted. */
void ca_err_prefix(struct ca_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The message held, or ca_strerror(code) when none was written. */
const char *ca_err_msg(const struct ca_err *err);

#endif
