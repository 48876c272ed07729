"""cloudalbum-legacy-seed: the sample legacy deployment, checked against the legacy
contract (docs/CONTRACTS.md, "Legacy MySQL", "Legacy files", "Passwords") with independent
tools: pymysql for the rows,
Pillow for the JPEGs and their EXIF, werkzeug for the password hashes.

One deployment of 20 users x 50 photos is built per module and examined by several
tests; the determinism, repair and argument tests use small deployments of their own.
"""
import hashlib
import re
from datetime import datetime
from pathlib import Path

import pytest
from PIL import Image
from werkzeug.security import check_password_hash

from helpers import free_port, fresh_mysql_database, run
from helpers import mysql_query as query

UUID4_NAME = re.compile(
    r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\.(jpg|jpeg)$")
HASH = re.compile(r"^pbkdf2:sha256:50000\$[A-Za-z0-9]{8}\$[0-9a-f]{64}$")
USERS, PER_USER, SEED = 20, 50, 4242

# EXIF tag numbers (Pillow exposes raw tags)
MAKE, MODEL, ORIENTATION, EXIF_IFD, GPS_IFD, DATETIME_ORIGINAL = 0x10F, 0x110, 0x112, 0x8769, 0x8825, 0x9003


def norm(email):
    return email.replace("@", "_at_").replace(".", "_dot_")


def seed_cmd(bins, url, upload, users, per_user, seed, *extra):
    return [str(bins / "cloudalbum-legacy-seed"), "--db-url", url, "--upload-dir", str(upload),
            "--users", str(users), "--photos-per-user", str(per_user), "--seed", str(seed),
            *extra]


def run_seed(bins, url, upload, users, per_user, seed, *extra):
    p = run(seed_cmd(bins, url, upload, users, per_user, seed, *extra), check=False, timeout=600)
    assert p.returncode == 0, p.stderr
    lines = p.stdout.strip().split("\n")
    assert lines[0].split("\t") == ["email", "password", "photos"]
    table = [tuple(line.split("\t")) for line in lines[1:]]
    return table, p.stderr


def photo_rows(db):
    # a FLOAT comes back over the wire with 6 significant digits; its exact single-precision
    # value is what the GPS check compares
    return query(db, "SELECT p.*, u.email, CAST(p.geotag_lat AS DOUBLE) AS lat_exact, "
                     "CAST(p.geotag_lng AS DOUBLE) AS lng_exact "
                     "FROM `Photo` p JOIN `User` u ON u.id = p.user_id ORDER BY p.id")


def snapshot(db, upload):
    users = query(db, "SELECT * FROM `User` ORDER BY id")
    photos = query(db, "SELECT * FROM `Photo` ORDER BY id")
    files = {}
    for path in sorted(Path(upload).rglob("*")):
        if path.is_file():
            st = path.stat()
            files[str(path.relative_to(upload))] = (st.st_mtime_ns, st.st_size,
                                                     hashlib.sha256(path.read_bytes()).hexdigest())
    return users, photos, files


def content(db, upload):
    """What a deployment holds, without what may differ between runs (hash salts, mtimes)."""
    users = [(u["id"], u["username"], u["email"]) for u in query(db, "SELECT * FROM `User` ORDER BY id")]
    photos = [tuple(sorted(p.items())) for p in query(db, "SELECT * FROM `Photo` ORDER BY id")]
    files = {str(p.relative_to(upload)): hashlib.sha256(p.read_bytes()).hexdigest()
             for p in Path(upload).rglob("*") if p.is_file()}
    return users, photos, files


def exif_of(path):
    with Image.open(path) as im:
        ex = im.getexif()
        return {
            "make": ex.get(MAKE), "model": ex.get(MODEL), "orientation": ex.get(ORIENTATION),
            "taken": ex.get_ifd(EXIF_IFD).get(DATETIME_ORIGINAL),
            "gps": ex.get_ifd(GPS_IFD), "any": len(ex) > 0,
        }


def dms(values, ref):
    d, m, s = (float(v) for v in values)
    deg = d + m / 60 + s / 3600
    return -deg if ref in ("S", "W") else deg


@pytest.fixture(scope="module")
def deployment(bins, tmp_path_factory):
    upload = tmp_path_factory.mktemp("legacy") / "upload"
    with fresh_mysql_database("ca_seed_") as (db, url):
        table, stderr = run_seed(bins, url, upload, USERS, PER_USER, SEED)
        yield dict(db=db, url=url, upload=upload, table=table, stderr=stderr)


# ---- the schema ------------------------------------------------------------------------

def test_schema_is_the_legacy_one(deployment):
    cols = query(deployment["db"],
                 "SELECT table_name AS t, column_name AS c, column_type AS ty, column_key AS k, "
                 "extra AS x FROM information_schema.columns WHERE table_schema = %s",
                 (deployment["db"],))
    # the legacy tables exactly; besides them only the app's own session tables (lib/db/mysql.h)
    assert {r["t"] for r in cols} - {"User", "Photo"} <= {"cloudalbum_session_generation",
                                                          "cloudalbum_session_revoked"}
    got = {(r["t"], r["c"]): r["ty"].lower() for r in cols if r["t"] in ("User", "Photo")}
    want = {("User", "id"): "int(11)", ("User", "username"): "varchar(50)",
            ("User", "email"): "varchar(50)", ("User", "password"): "varchar(100)",
            ("Photo", "id"): "int(11)", ("Photo", "user_id"): "int(11)",
            ("Photo", "filesize"): "int(11)", ("Photo", "geotag_lat"): "float",
            ("Photo", "geotag_lng"): "float", ("Photo", "upload_date"): "datetime",
            ("Photo", "taken_date"): "datetime"}
    for c in ("tags", "desc", "filename_orig", "filename", "make", "model", "width", "height",
              "city", "nation", "address"):
        want[("Photo", c)] = "varchar(400)"
    assert got == want
    keys = {(r["t"], r["c"]): (r["k"], r["x"]) for r in cols}
    assert keys[("User", "id")] == ("PRI", "auto_increment")
    assert keys[("User", "email")][0] == "UNI"
    assert keys[("Photo", "id")] == ("PRI", "auto_increment")


# ---- users -----------------------------------------------------------------------------

def test_every_user_logs_in_with_the_printed_password(deployment):
    table = deployment["table"]
    assert len(table) == USERS
    users = {u["email"]: u for u in query(deployment["db"], "SELECT * FROM `User`")}
    assert len(users) == USERS
    for email, password, count in table:
        u = users[email]
        assert HASH.match(u["password"]), u["password"]
        assert len(u["password"]) <= 100
        assert check_password_hash(u["password"], password)
        assert not check_password_hash(u["password"], password + "x")
        assert 0 < len(u["username"]) <= 50 and len(email) <= 50
        assert int(count) == PER_USER
    counts = query(deployment["db"], "SELECT user_id, COUNT(*) AS n FROM `Photo` GROUP BY user_id")
    assert sorted(r["n"] for r in counts) == [PER_USER] * USERS
    assert any(ord(ch) > 127 for u in users.values() for ch in u["username"])


# ---- photo rows and their originals ------------------------------------------------------

def test_rows_match_their_originals(deployment):
    rows = photo_rows(deployment["db"])
    upload = deployment["upload"]
    assert len(rows) == USERS * PER_USER
    assert len({r["filename"] for r in rows}) == len(rows)
    missing = []
    for r in rows:
        assert UUID4_NAME.match(r["filename"]), r["filename"]
        assert r["filename"].rsplit(".", 1)[1] == r["filename_orig"].rsplit(".", 1)[1].lower()
        assert r["upload_date"] >= r["taken_date"]
        assert r["upload_date"] < datetime(2025, 1, 1)
        if r["tags"]:
            assert all(t and t == t.strip() for t in r["tags"].split(","))
        path = upload / norm(r["email"]) / r["filename"]
        if not path.exists():
            missing.append(r)
            continue
        assert r["filesize"] == path.stat().st_size
        with Image.open(path) as im:
            assert im.format == "JPEG"
            assert im.size == (int(r["width"]), int(r["height"]))
            im.load()
    assert len(missing) == 1, [m["filename"] for m in missing]


def test_exif_agrees_with_the_row(deployment):
    rows = photo_rows(deployment["db"])
    upload = deployment["upload"]
    with_gps = without_gps = without_exif = 0
    for r in rows:
        path = upload / norm(r["email"]) / r["filename"]
        if not path.exists():
            continue
        ex = exif_of(path)
        if not ex["any"]:
            without_exif += 1
            assert r["make"] == "" and r["model"] == ""
            assert r["geotag_lat"] is None and r["geotag_lng"] is None
            assert r["city"] == r["nation"] == r["address"] == ""
            assert r["taken_date"] == r["upload_date"]
            continue
        assert ex["make"] == r["make"] and ex["model"] == r["model"]
        assert ex["taken"] == r["taken_date"].strftime("%Y:%m:%d %H:%M:%S")
        assert ex["orientation"] in (1, 3, 6, 8)
        gps = ex["gps"]
        if not gps:
            without_gps += 1
            assert r["geotag_lat"] is None and r["geotag_lng"] is None
            assert r["city"] == r["nation"] == r["address"] == ""
            continue
        with_gps += 1
        lat, lng = dms(gps[2], gps[1]), dms(gps[4], gps[3])
        # single precision holds about 1e-5 degrees (a metre) at these magnitudes
        assert abs(lat - r["lat_exact"]) < 2e-5 and abs(lng - r["lng_exact"]) < 2e-5, (lat, lng, r)
    assert without_exif > 0 and without_gps > 0
    assert with_gps > (with_gps + without_gps + without_exif) / 2


def test_gps_rows_are_in_named_places(deployment):
    rows = [r for r in photo_rows(deployment["db"]) if r["geotag_lat"] is not None]
    named = [r for r in rows if r["city"] and r["nation"] and r["address"]]
    assert len(named) >= 0.9 * len(rows)
    assert all(r["city"] in r["address"] and r["nation"] in r["address"] for r in named)
    nations = {r["nation"] for r in named}
    # the city table spans every inhabited continent
    for n in ("Japan", "Brazil", "Kenya", "Australia", "United States", "France"):
        assert n in nations or len(rows) < 200, (n, sorted(nations))
    assert any(r["geotag_lat"] < 0 for r in rows) and any(r["geotag_lat"] > 0 for r in rows)
    assert any(r["geotag_lng"] < 0 for r in rows) and any(r["geotag_lng"] > 0 for r in rows)


def test_thumbnails_fit_the_box_with_the_aspect_kept(deployment):
    rows = photo_rows(deployment["db"])
    upload = deployment["upload"]
    for r in rows:
        user_dir = upload / norm(r["email"])
        thumb = user_dir / "thumbnails" / r["filename"]
        if not thumb.exists():
            thumb = user_dir / "thumbnail" / r["filename"]
        assert thumb.exists(), r["filename"]
        with Image.open(thumb) as t:
            assert t.format == "JPEG"
            tw, th = t.size
        assert 1 <= tw <= 300 and 1 <= th <= 200
        assert tw == 300 or th == 200  # every original is larger than the box
        original = user_dir / r["filename"]
        if not original.exists():
            continue  # the deliberately missing one: its orientation is unknown
        w, h = int(r["width"]), int(r["height"])
        if exif_of(original)["orientation"] in (6, 8):
            w, h = h, w  # the thumbnail is upright
        assert abs(tw * h - th * w) <= max(w, h), (r["filename"], (tw, th), (w, h))


def test_the_deployment_is_varied(deployment):
    rows = photo_rows(deployment["db"])
    upload = deployment["upload"]
    orientations, shapes = set(), set()
    for r in rows:
        path = upload / norm(r["email"]) / r["filename"]
        if path.exists():
            o = exif_of(path)["orientation"]
            orientations.add(o)
            w, h = int(r["width"]), int(r["height"])
            if o in (6, 8):
                w, h = h, w
            shapes.add("portrait" if h > w else "landscape" if w > h else "square")
    assert {1, 3, 6, 8} <= orientations and None in orientations
    assert {"portrait", "landscape"} <= shapes
    long_sides = [max(int(r["width"]), int(r["height"])) for r in rows]
    assert min(long_sides) >= 640 and max(long_sides) <= 2048
    assert min(long_sides) < 800 and max(long_sides) >= 1600
    assert len({r["make"] for r in rows if r["make"]}) >= 5
    assert len({r["taken_date"].year for r in rows}) >= 3
    assert any(re.match(r"^IMG_\d{4}\.JPG$", r["filename_orig"]) for r in rows)
    assert any(r["filename"].endswith(".jpeg") for r in rows)
    tags = ",".join(r["tags"] for r in rows)
    assert any(ord(ch) > 127 for ch in tags)
    assert any(r["tags"] == "" for r in rows) and any(r["desc"] for r in rows)


# ---- the untidy things -------------------------------------------------------------------

def test_untidy_things_are_there(deployment):
    rows = photo_rows(deployment["db"])
    upload = deployment["upload"]
    known = {(norm(r["email"]), r["filename"]) for r in rows}
    originals = {(p.parent.name, p.name) for p in upload.glob("*/*") if p.is_file()}
    thumbs_new = {(p.parent.parent.name, p.name) for p in upload.glob("*/thumbnails/*")}
    thumbs_old = {(p.parent.parent.name, p.name) for p in upload.glob("*/thumbnail/*")}

    missing = known - originals
    assert len(missing) == 1
    assert missing <= thumbs_new  # the row's thumbnail survived

    orphans = originals - known
    assert len(orphans) == 1
    (user_dir, name), = orphans
    assert UUID4_NAME.match(name)
    with Image.open(upload / user_dir / name) as im:
        assert im.format == "JPEG"

    assert len(thumbs_old) == 1
    assert thumbs_old <= known and not (thumbs_old & thumbs_new)
    assert thumbs_new | thumbs_old == known | orphans


# ---- idempotence and determinism --------------------------------------------------------

def test_a_second_run_changes_nothing(bins, deployment):
    before = snapshot(deployment["db"], deployment["upload"])
    table, stderr = run_seed(bins, deployment["url"], deployment["upload"], USERS, PER_USER, SEED)
    after = snapshot(deployment["db"], deployment["upload"])
    assert table == deployment["table"]
    assert after[0] == before[0]
    assert after[1] == before[1]
    assert after[2] == before[2]


def test_same_seed_same_deployment_other_seed_another(bins, tmp_path, deployment):
    runs = []
    for n, seed in enumerate((SEED, SEED, SEED + 1)):
        with fresh_mysql_database("ca_seed_") as (db, url):
            upload = tmp_path / f"up{n}"
            table, _ = run_seed(bins, url, upload, 3, 4, seed, "--quiet")
            runs.append((table, content(db, upload)))
    assert runs[0] == runs[1]
    # users do not depend on how many there are: the first three of the big run
    assert [t[:2] for t in runs[0][0]] == [t[:2] for t in deployment["table"][:3]]
    other_table, other_content = runs[2]
    assert {e for e, _, _ in other_table}.isdisjoint({e for e, _, _ in runs[0][0]})
    assert set(other_content[2]).isdisjoint(set(runs[0][1][2]))
    assert set(other_content[2].values()).isdisjoint(set(runs[0][1][2].values()))


def test_missing_files_are_recreated(bins, tmp_path, mysql_db):
    db, url = mysql_db
    upload = tmp_path / "up"
    run_seed(bins, url, upload, 2, 6, 99, "--quiet")
    _, photos_before, files_before = content(db, upload)
    rows = photo_rows(db)
    present = [r for r in rows if (upload / norm(r["email"]) / r["filename"]).exists()]
    victim = present[0]
    (upload / norm(victim["email"]) / victim["filename"]).unlink()
    thumbs = sorted(upload.glob("*/thumbnails/*"))
    thumbs[-1].unlink()
    run_seed(bins, url, upload, 2, 6, 99, "--quiet")
    _, photos_after, files_after = content(db, upload)
    assert files_after == files_before  # byte for byte, and the missing original stays missing
    assert photos_after == photos_before


def test_quiet_and_progress(deployment):
    lines = deployment["stderr"].strip().split("\n")
    progress = [line for line in lines if "photos checked" in line]
    assert len(progress) >= USERS * PER_USER // 50
    assert "1000/1000" in progress[-1]


# ---- the command line -------------------------------------------------------------------

NEEDS_BOTH = [
    ["--users", "0"],
    ["--users", "-3"],
    ["--users", "12abc"],
    ["--users", " 5"],
    ["--users", ""],
    ["--users"],
    ["--photos-per-user", "10001"],
    ["--seed", "-1"],
    ["--seed", "18446744073709551616"],
    ["--seed", "x"],
    ["--threads", "0"],
    ["--frobnicate"],
    ["stray"],
    ["--quiet=1"],
    ["--users", "100000", "--photos-per-user", "10000"],
]


@pytest.mark.parametrize("args", [[], ["--upload-dir", "UPLOAD"], ["--db-url", "mysql://root@127.0.0.1/x"]]
                         + [["--db-url", "mysql://root@127.0.0.1:3306/nothing_here",
                             "--upload-dir", "UPLOAD", *a] for a in NEEDS_BOTH])
def test_bad_arguments_exit_nonzero_with_usage(bins, tmp_path, args):
    never = tmp_path / "never"
    args = [str(never) if a == "UPLOAD" else a for a in args]
    p = run([bins / "cloudalbum-legacy-seed", *args], check=False, timeout=30)
    assert p.returncode == 2
    assert p.stderr.startswith("cloudalbum-legacy-seed: ") and "usage:" in p.stderr
    assert p.stdout == ""
    assert not never.exists()


def test_help(bins):
    p = run([bins / "cloudalbum-legacy-seed", "--help"], check=False, timeout=30)
    assert p.returncode == 0 and p.stdout.startswith("usage:")


def test_unreachable_database_is_one_clear_sentence(bins, tmp_path):
    port = free_port()  # nothing listens there
    p = run(seed_cmd(bins, f"mysql://root@127.0.0.1:{port}/x", tmp_path / "up", 1, 1, 1),
            check=False, timeout=60)
    assert p.returncode == 1
    lines = p.stderr.strip().split("\n")
    assert len(lines) == 1 and f"127.0.0.1:{port}" in lines[0], p.stderr
    assert not (tmp_path / "up").exists()
