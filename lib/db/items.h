/*
 * items.h — the one codec of each DynamoDB item contract (docs/CONTRACTS.md, "User
 * item", "Photo item", "Why the items look as they do"): the DynamoDB backend
 * (dynamodb*.c), the migrator (migrate/) and the tests build and read items with
 * these functions and nothing else, so what is written stays what the seed's
 * PynamoDB models read.
 *
 * Items are DynamoDB attribute maps in JSON ({"name": {"S": "text"}, ...}).
 * Functions returning json_t * return a new reference (json_decref it), NULL on
 * OOM. Functions returning char * return a malloc'd string (free it), NULL on OOM.
 * Readers borrow the item.
 */
#ifndef CA_DB_ITEMS_H
#define CA_DB_ITEMS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/date.h"
#include "db/db.h"
#include "util/error.h"

/* ---- attribute values ---- */

/* {"S": s} / {"N": "<n>"}. */
json_t *ddb_s(const char *s);
json_t *ddb_n_i64(int64_t n);
/* The decimal text of n. */
char *ddb_n_text(int64_t n);

/*
 * Reads attribute name of item as text: an S as is, an N as its digits. *out is
 * malloc'd (caller frees) or NULL when absent, NULL-typed or of another type.
 * CA_OK or CA_ENOMEM.
 */
int ddb_attr_text(const json_t *item, const char *name, char **out);

/* Parses a decimal Photo id ("1718000000000") into *out; false for anything else. */
bool ddb_parse_photo_id(const char *s, int64_t *out);

/* Writes the shortest decimal text of v that reads back as v ("37.5665"). */
void ddb_format_double(double v, char *out, size_t cap);

/* ---- User item: table User, hash key id (S) ---- */

/*
 * {"id": S, "email": S, "username": S, "password": S} for u (every field of u
 * that is NULL written as "", so the seed's model finds all four). u->id is the
 * uuid4 as 32 hex digits (util/uuid.h); password is a werkzeug hash.
 */
json_t *ddb_user_item(const struct ca_user *u);

/*
 * Fills *out from a User item (caller releases with ca_user_release). Refuses
 * (CA_DB_NOTFOUND, "No user has that id.") an item without an S/N id or email:
 * an email guard or a foreign item is no user. CA_ENOMEM (out released).
 */
int ddb_user_from_item(const json_t *item, struct ca_user *out, struct ca_err *err);

/* ---- Email guard item: table "<user table>-guard", hash key id (S) ---- */

#define DDB_GUARD_PREFIX "email#"

/* The guard's id for email: "email#" and the email with ASCII letters lowered. */
char *ddb_guard_id(const char *email);

/* {"id": S ddb_guard_id(email), "user_id": S user_id}. */
json_t *ddb_guard_item(const char *email, const char *user_id);

/*
 * The user id a guard item names, into *user_id (malloc'd). Refuses (CA_DB_QUERY)
 * an item whose id does not start with DDB_GUARD_PREFIX or that has no user_id.
 * CA_ENOMEM.
 */
int ddb_guard_owner(const json_t *item, char **user_id, struct ca_err *err);

/* ---- Photo item: table Photo, hash key user_id (S), range key id (N) ---- */

/*
 * geotag_lat and geotag_lng of a photo without a location. The seed's map page
 * writes both into its script as numbers, so "" (or "None") breaks the whole map;
 * 999 is a number its map accepts (Google Maps clamps the latitude to the pole,
 * out of a Mercator map's view: no false marker) and a latitude no real photo
 * has, so our reader (out of range: no geotag) tells it from a real location.
 */
#define DDB_NO_GEOTAG "999"

/*
 * The geotag_lat / geotag_lng text of p into lat and lng (cap bytes each): the
 * shortest decimals of its location, DDB_NO_GEOTAG for a photo without one.
 */
void ddb_geotag_text(const struct ca_photo *p, char *lat, char *lng, size_t cap);

/*
 * The upload_date a Photo item with id carries for p, into out: p's own when it
 * parses, else the time the id stands for (epoch ms; a legacy row without a usable
 * date), so that the seed's models never fill in their own "now".
 */
void ddb_upload_date_text(const struct ca_photo *p, int64_t id, char out[CA_DB_DATE_LEN + 1]);

/*
 * The taken_date a Photo item carries for p (when NULL: the upload date as
 * ddb_upload_date_text gives it): its own when it parses, else its upload_date
 * when that parses. Borrowed from p; NULL when neither parses.
 */
const char *ddb_taken_date(const struct ca_photo *p);

/*
 * The item the Photo table holds for p (owner and id given): all 18 attributes of
 * the seed's Photo model. Texts S ("" when NULL), filesize N (-1 when unknown),
 * geotag as ddb_geotag_text(), dates S in date.h form (upload_date as
 * ddb_upload_date_text(), taken_date as ddb_taken_date() or the upload date).
 */
json_t *ddb_photo_item(const char *owner_id, int64_t id, const struct ca_photo *p);

/*
 * Fills *out from a Photo item, leniently: any attribute may be absent or of the
 * other type; "" make/model/city read as NULL; dates are normalised (one that
 * does not parse: NULL); an out-of-range or non-numeric geotag reads as none.
 * Refuses (CA_DB_QUERY) an item without its user_id or a numeric id. CA_ENOMEM.
 * On error out holds nothing.
 */
int ddb_photo_from_item(const json_t *item, struct ca_photo *out, struct ca_err *err);

#endif
