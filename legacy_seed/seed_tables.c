#include "seed_tables.h"

#include "util/banned.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

const struct seed_name seed_first_names[] = {
	{ "Alice", "alice" },     { "José", "jose" },       { "Zoë", "zoe" },
	{ "Søren", "soren" },     { "Łukasz", "lukasz" },   { "Chloé", "chloe" },
	{ "Minh", "minh" },       { "Aiko", "aiko" },       { "Oluwaseun", "oluwaseun" },
	{ "Priya", "priya" },     { "Mateo", "mateo" },     { "Hannah", "hannah" },
	{ "Björn", "bjorn" },     { "Ngozi", "ngozi" },     { "Wei", "wei" },
	{ "Fatima", "fatima" },   { "Liam", "liam" },       { "Ana", "ana" },
	{ "Dmitri", "dmitri" },   { "Sofía", "sofia" },     { "Jae-won", "jaewon" },
	{ "Amélie", "amelie" },   { "Kwame", "kwame" },     { "Ingrid", "ingrid" },
};
const size_t seed_first_names_count = COUNT(seed_first_names);

const struct seed_name seed_last_names[] = {
	{ "García", "garcia" },   { "Müller", "muller" },   { "Kim", "kim" },
	{ "Nguyen", "nguyen" },   { "O'Brien", "obrien" },  { "Smith", "smith" },
	{ "Tanaka", "tanaka" },   { "Okafor", "okafor" },   { "Sharma", "sharma" },
	{ "Kowalski", "kowalski" }, { "Rossi", "rossi" },   { "Dubois", "dubois" },
	{ "Silva", "silva" },     { "Andersson", "andersson" }, { "Chen", "chen" },
	{ "Haddad", "haddad" },   { "Ivanova", "ivanova" }, { "Lee", "lee" },
	{ "Núñez", "nunez" },     { "Mensah", "mensah" },
};
const size_t seed_last_names_count = COUNT(seed_last_names);

/* Reserved example domains (RFC 2606): nobody can receive mail there. */
const char *const seed_email_domains[] = {
	"example.com", "example.org", "example.net", "mail.example.com",
};
const size_t seed_email_domains_count = COUNT(seed_email_domains);

const struct seed_camera seed_cameras[] = {
	{ "Apple", "iPhone 8", "IMG_", 4, SEED_NAME_COUNTER, ".JPG" },
	{ "Apple", "iPhone X", "IMG_", 4, SEED_NAME_COUNTER, ".JPG" },
	{ "Apple", "iPhone 12 Pro", "IMG_", 4, SEED_NAME_COUNTER, ".JPG" },
	{ "samsung", "SM-G960F", "", 0, SEED_NAME_DATETIME, ".jpg" },
	{ "samsung", "SM-G991B", "", 0, SEED_NAME_DATETIME, ".jpg" },
	{ "Google", "Pixel 3", "IMG_", 0, SEED_NAME_DATETIME, ".jpg" },
	{ "HUAWEI", "ELE-L29", "IMG_", 0, SEED_NAME_DATETIME, ".jpg" },
	{ "Canon", "Canon EOS 80D", "IMG_", 4, SEED_NAME_COUNTER, ".JPG" },
	{ "Canon", "Canon PowerShot G7 X Mark II", "IMG_", 4, SEED_NAME_COUNTER, ".JPG" },
	{ "NIKON CORPORATION", "NIKON D750", "DSC_", 4, SEED_NAME_COUNTER, ".JPG" },
	{ "SONY", "ILCE-7M3", "DSC", 5, SEED_NAME_COUNTER, ".JPG" },
	{ "FUJIFILM", "X-T3", "DSCF", 4, SEED_NAME_COUNTER, ".JPG" },
	{ "OLYMPUS IMAGING CORP.", "E-M10", "P", 7, SEED_NAME_COUNTER, ".JPG" },
	{ "Panasonic", "DMC-GX85", "P", 7, SEED_NAME_COUNTER, ".JPG" },
};
const size_t seed_cameras_count = COUNT(seed_cameras);

const char *const seed_tags[] = {
	"travel", "family", "food", "café", "東京", "sunset", "beach", "hiking",
	"birthday", "München", "street", "architecture", "nature", "夜景", "friends",
	"río", "snow", "concert", "museum", "праздник", "wedding", "dog", "cat",
	"mountains", "city", "garden", "서울", "été", "market", "roadtrip",
};
const size_t seed_tags_count = COUNT(seed_tags);

const char *const seed_descriptions[] = {
	"Dinner with friends",
	"Morning walk before work",
	"Weekend trip",
	"Birthday party at home",
	"Café au lait and croissants",
	"夜の散歩",
	"Первый снег",
	"Fim de tarde na praia",
	"Old town streets",
	"View from the hotel window",
	"Concert night",
	"Hiking the ridge trail",
	"Family reunion",
	"Street food market",
	"Rainy afternoon",
	"Grandma's garden in bloom",
	"First day at the new flat",
	"Fête de la musique",
	"Lunch break",
	"Road trip, day 3",
};
const size_t seed_descriptions_count = COUNT(seed_descriptions);

/* City centres, every inhabited continent, both hemispheres, near the antimeridian,
 * plus one research station far from any town (its photos have GPS but no place). */
const struct seed_city seed_cities[] = {
	{ "London", "Europe", 51.5074, -0.1278 },
	{ "Paris", "Europe", 48.8566, 2.3522 },
	{ "Berlin", "Europe", 52.5200, 13.4050 },
	{ "Madrid", "Europe", 40.4168, -3.7038 },
	{ "Rome", "Europe", 41.9028, 12.4964 },
	{ "Lisbon", "Europe", 38.7223, -9.1393 },
	{ "Prague", "Europe", 50.0755, 14.4378 },
	{ "Stockholm", "Europe", 59.3293, 18.0686 },
	{ "Munich", "Europe", 48.1351, 11.5820 },
	{ "Reykjavík", "Europe", 64.1466, -21.9426 },
	{ "Istanbul", "Europe", 41.0082, 28.9784 },
	{ "Tokyo", "Asia", 35.6762, 139.6503 },
	{ "Kyoto", "Asia", 35.0116, 135.7681 },
	{ "Seoul", "Asia", 37.5665, 126.9780 },
	{ "Singapore", "Asia", 1.3521, 103.8198 },
	{ "Bangkok", "Asia", 13.7563, 100.5018 },
	{ "Mumbai", "Asia", 19.0760, 72.8777 },
	{ "Beijing", "Asia", 39.9042, 116.4074 },
	{ "Hanoi", "Asia", 21.0278, 105.8342 },
	{ "Dubai", "Asia", 25.2048, 55.2708 },
	{ "Jakarta", "Asia", -6.2088, 106.8456 },
	{ "Cairo", "Africa", 30.0444, 31.2357 },
	{ "Cape Town", "Africa", -33.9249, 18.4241 },
	{ "Nairobi", "Africa", -1.2921, 36.8219 },
	{ "Marrakesh", "Africa", 31.6295, -7.9811 },
	{ "Lagos", "Africa", 6.5244, 3.3792 },
	{ "Accra", "Africa", 5.6037, -0.1870 },
	{ "Addis Ababa", "Africa", 9.0300, 38.7400 },
	{ "New York", "North America", 40.7128, -74.0060 },
	{ "San Francisco", "North America", 37.7749, -122.4194 },
	{ "Mexico City", "North America", 19.4326, -99.1332 },
	{ "Toronto", "North America", 43.6532, -79.3832 },
	{ "Vancouver", "North America", 49.2827, -123.1207 },
	{ "Honolulu", "North America", 21.3069, -157.8583 },
	{ "Havana", "North America", 23.1136, -82.3666 },
	{ "Anchorage", "North America", 61.2181, -149.9003 },
	{ "Rio de Janeiro", "South America", -22.9068, -43.1729 },
	{ "São Paulo", "South America", -23.5505, -46.6333 },
	{ "Buenos Aires", "South America", -34.6037, -58.3816 },
	{ "Lima", "South America", -12.0464, -77.0428 },
	{ "Santiago", "South America", -33.4489, -70.6693 },
	{ "Bogotá", "South America", 4.7110, -74.0721 },
	{ "Cusco", "South America", -13.5320, -71.9675 },
	{ "Sydney", "Oceania", -33.8688, 151.2093 },
	{ "Melbourne", "Oceania", -37.8136, 144.9631 },
	{ "Perth", "Oceania", -31.9505, 115.8605 },
	{ "Auckland", "Oceania", -36.8485, 174.7633 },
	{ "Queenstown", "Oceania", -45.0312, 168.6626 },
	{ "Suva", "Oceania", -18.1248, 178.4501 },
	{ "McMurdo Station", "Antarctica", -77.8419, 166.6863 },
};
const size_t seed_cities_count = COUNT(seed_cities);
