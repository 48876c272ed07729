/*
 * seed_tables.h — the fixed word lists the sample legacy deployment draws from:
 * people's names, cameras, tags, descriptions and real city centres.
 *
 * Everything here is static data; the tables never change at run time. Names and
 * words include non-ASCII text on purpose (a real album has "café" and "東京"),
 * and every string is valid UTF-8.
 */
#ifndef CA_SEED_TABLES_H
#define CA_SEED_TABLES_H

#include <stddef.h>

/* A name as people write it and the ASCII form used in an email address. */
struct seed_name {
	const char *display;
	const char *slug;
};

/* How a camera names its files: prefix + counter or prefix + date. */
enum seed_name_style {
	SEED_NAME_COUNTER,   /* prefix, `digits` digits of a counter, ext: "IMG_0042.JPG" */
	SEED_NAME_DATETIME,  /* prefix, YYYYMMDD_HHMMSS, ext: "IMG_20190704_153012.jpg" */
};

struct seed_camera {
	const char *make;
	const char *model;
	const char *prefix;
	int digits;
	enum seed_name_style style;
	const char *ext;     /* ".JPG", ".jpg", ".jpeg" */
};

/* A city centre; photos taken there get GPS a few kilometres around it. */
struct seed_city {
	const char *name;
	const char *continent;
	double lat, lng;
};

extern const struct seed_name seed_first_names[];
extern const size_t seed_first_names_count;
extern const struct seed_name seed_last_names[];
extern const size_t seed_last_names_count;
extern const char *const seed_email_domains[];
extern const size_t seed_email_domains_count;
extern const struct seed_camera seed_cameras[];
extern const size_t seed_cameras_count;
extern const char *const seed_tags[];
extern const size_t seed_tags_count;
extern const char *const seed_descriptions[];
extern const size_t seed_descriptions_count;
extern const struct seed_city seed_cities[];
extern const size_t seed_cities_count;

#endif
