"""`cloudalbum-image geocode` end to end: the real table, the JSON it prints, where it
finds its data, and how it refuses bad input.

Expected places are written from world knowledge, not from the program's output.
"""
import json
import os

import pytest

from helpers import run

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REAL_TABLE = os.path.join(ROOT, "build", "geo", "cities.tsv")


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items() if k != "CA_GEODATA"}
    env.update(extra)
    return env


def geocode(bins, *args, env=None, check=True):
    return run([bins / "cloudalbum-image", "geocode", *args], env=env or clean_env(), check=check)


@pytest.fixture(scope="module")
def real_table():
    assert os.path.exists(REAL_TABLE), "build the table first: scripts/make-geodata.py"
    return REAL_TABLE


# (lat, lng) a few km from the centre; a name the address must contain; the country
KNOWN = [
    ("-18.125", "178.45", "Suva", "Fiji"),
    ("-36.87", "174.75", "Auckland", "New Zealand"),
    ("61.2", "-149.87", "Anchorage", "United States"),
    ("64.13", "-21.9", "Reykjavík", "Iceland"),
    ("-54.81", "-68.33", "Ushuaia", "Argentina"),
    ("-33.94", "18.44", "Cape Town", "South Africa"),
    ("1.31", "103.83", "Singapore", "Singapore"),
    ("37.54", "127.0", "Seoul", "South Korea"),
    ("-1.3", "36.8", "Nairobi", "Kenya"),
    ("-12.06", "-77.03", "Lima", "Peru"),
    ("-23.56", "-46.64", "São Paulo", "Brazil"),
    ("55.74", "37.6", "Moscow", "Russia"),
    # the nearest place lies across the antimeridian
    ("66.0", "179.9", "Egvekinot", "Russia"),
    ("-18.1", "-179.95", "Levuka", "Fiji"),
]


@pytest.mark.parametrize("lat,lng,name,nation", KNOWN)
def test_known_places(bins, real_table, lat, lng, name, nation):
    out = json.loads(geocode(bins, lat, lng).stdout)
    assert out["found"] is True
    assert name in out["address"], out
    assert out["nation"] == nation, out
    assert out["address"].startswith(out["city"])
    assert out["address"].endswith(nation)
    assert 0 <= out["distance_km"] < 150
    assert out["lat"] == pytest.approx(float(lat)) and out["lng"] == pytest.approx(float(lng))


def test_prints_exactly_the_documented_keys(bins, real_table):
    out = json.loads(geocode(bins, "48.85", "2.36").stdout)
    assert set(out) == {"found", "city", "district", "region", "nation", "address",
                        "distance_km", "lat", "lng"}
    assert "Paris" in out["address"] and out["nation"] == "France"


def test_mid_ocean_names_nothing(bins, real_table):
    out = json.loads(geocode(bins, "0", "-140").stdout)
    assert out["found"] is False
    assert out["city"] is None and out["nation"] is None and out["address"] is None
    assert out["distance_km"] > 200


def test_help(bins):
    p = geocode(bins, "--help")
    assert p.returncode == 0
    assert "usage: cloudalbum-image geocode LAT LNG" in p.stdout
    assert "CA_GEODATA" in p.stdout


@pytest.mark.parametrize("args,says", [
    (["abc", "1"], "latitude 'abc'"),
    (["91", "1"], "latitude '91'"),
    (["-90.5", "1"], "latitude '-90.5'"),
    (["1", "180.01"], "longitude '180.01'"),
    (["1", "nan"], "longitude 'nan'"),
    (["1", "inf"], "longitude 'inf'"),
    (["1", "0x10"], "longitude '0x10'"),
    (["1", "1e999"], "longitude '1e999'"),
    (["1", ""], "longitude ''"),
    (["1", "2x"], "longitude '2x'"),
    (["1"], "expected LAT LNG"),
    ([], "expected LAT LNG"),
    (["1", "2", "3"], "too many arguments"),
    (["1", "2", "--bogus"], "unknown option '--bogus'"),
    (["1", "2", "--data"], "--data needs a file name"),
])
def test_bad_arguments_exit_2(bins, args, says):
    p = geocode(bins, *args, check=False)
    assert p.returncode == 2
    assert says in p.stderr
    assert p.stdout == ""


def small_table(path, rows):
    path.write_text("#cloudalbum-geodata\t1\t%d\n" % len(rows)
                    + "".join("\t".join(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_data_option_and_ca_geodata(bins, tmp_path):
    a = small_table(tmp_path / "a.tsv", [("Alpha", "", "Region A", "Land A", "10.0", "10.0")])
    b = small_table(tmp_path / "b.tsv", [("Beta", "District B", "Region B", "Land B", "10.0", "10.0")])
    out = json.loads(geocode(bins, "10.1", "10.1", env=clean_env(CA_GEODATA=str(a))).stdout)
    assert out["city"] == "Alpha" and out["address"] == "Alpha, Region A, Land A"
    assert out["district"] is None
    # --data wins over CA_GEODATA, and "--data=FILE" is the same as "--data FILE"
    for args in (["--data", str(b)], ["--data=" + str(b)]):
        out = json.loads(geocode(bins, "10.1", "10.1", *args,
                                 env=clean_env(CA_GEODATA=str(a))).stdout)
        assert out["address"] == "Beta, District B, Region B, Land B"
    # options may come first; "--" lets a negative number follow
    out = json.loads(geocode(bins, "--data", str(a), "--", "-10", "-10").stdout)
    assert out["found"] is False


def test_missing_data_file_exits_1(bins, tmp_path):
    missing = tmp_path / "none.tsv"
    p = geocode(bins, "1", "2", "--data", str(missing), check=False)
    assert p.returncode == 1
    assert str(missing) in p.stderr and "make-geodata" in p.stderr
    p = geocode(bins, "1", "2", env=clean_env(CA_GEODATA=str(missing)), check=False)
    assert p.returncode == 1 and str(missing) in p.stderr


@pytest.mark.parametrize("text,says", [
    ("#cloudalbum-geodata\t1\t2\nA\t\tR\tL\t1.0\t2.0\nB\t\tR\tL\t1.", "truncated"),
    ("#cloudalbum-geodata\t1\t2\nA\t\tR\tL\t1.0\t2.0\n", "truncated"),
    ("#cloudalbum-geodata\t1\t1\nA\t\tR\tL\tone\t2.0\n", "latitude 'one'"),
    ("not a table\n", "not a CloudAlbum geodata table"),
])
def test_hostile_data_file_exits_1(bins, tmp_path, text, says):
    path = tmp_path / "bad.tsv"
    path.write_text(text, encoding="utf-8")
    p = geocode(bins, "1", "2", "--data", str(path), check=False)
    assert p.returncode == 1
    assert says in p.stderr and str(path) in p.stderr
    assert p.stdout == ""
