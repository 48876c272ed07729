"""cloudalbum-serve stage 0: the JSON API against the real MariaDB and a temp upload folder.

One serve process per module (on a free port, fresh database). Checks every endpoint and
every error status, ownership (another user's photo is 404 and nothing changes, checked in
the database and on disk), CSRF, upload caps and hostile images, and werkzeug hash
compatibility both ways."""
import base64
import http.client
import json
import os
import time
import uuid

import pytest
import requests
from werkzeug.security import check_password_hash, generate_password_hash

from album_order import check_album_orders
from helpers import run
from serve_helpers import (EXIFTOOL, SECRET, Client, Serve, bomb_jpeg, create_database,
                           db_query, healthz, jpeg, new_user, norm_email, png_bytes,
                           stop_and_drop, with_exif, write_config)

PHOTO_FIELDS = {"id", "tags", "desc", "filename_orig", "filesize", "geotag_lat", "geotag_lng",
                "upload_date", "taken_date", "make", "model", "width", "height", "city",
                "nation", "address", "thumb_url", "grid_url", "original_url"}


@pytest.fixture(scope="module")
def env(bins, tmp_path_factory):
    work = tmp_path_factory.mktemp("serve")
    dbname = create_database()
    upload = work / "upload"
    cfg = write_config(work / "serve.yaml", dbname, upload, max_upload_mb=1,
                       extra_server="  signup_limit: 1000\n  signin_limit: 1000\n")
    srv = Serve(bins / "cloudalbum-serve", cfg, work)
    try:
        yield dict(srv=srv, db=dbname, upload=upload, work=work, cfg=cfg)
    finally:
        stop_and_drop(srv, dbname)


@pytest.fixture(scope="module")
def base(env):
    return env["srv"].base


@pytest.fixture
def alice(base):
    return new_user(base, "alice")


@pytest.fixture
def bob(base):
    return new_user(base, "bob")


def photo_files(env, client):
    d = env["upload"] / norm_email(client.email)
    return sorted(p.relative_to(d).as_posix() for p in d.rglob("*") if p.is_file()) if d.exists() else []


def assert_error(r, status, name=None):
    assert r.status_code == status, (r.status_code, r.text)
    body = r.json()
    assert set(body) == {"error", "message"}, body
    assert body["message"].strip()
    if name:
        assert body["error"] == name


# --- process, health, config, static ------------------------------------------------------


def test_help_and_check_config(bins, env):
    r = run([bins / "cloudalbum-serve", "--help"], check=False, timeout=60)
    assert r.returncode == 0 and "--config" in r.stdout and "--check-config" in r.stdout
    r = run([bins / "cloudalbum-serve", "--config", env["cfg"], "--check-config"],
            env={"CA_TEST_SECRET": SECRET, "PATH": "/usr/bin"}, check=False, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "mysql" in r.stdout and "disk" in r.stdout and "stage:     0" in r.stdout
    assert SECRET not in r.stdout
    r = run([bins / "cloudalbum-serve"], check=False, timeout=60)
    assert r.returncode == 2 and "--config" in r.stderr


def test_bad_config_names_file_and_line(bins, env, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(env["cfg"].read_text().replace("  threads: 4\n", "  threads: 4\n  colour: blue\n"))
    r = run([bins / "cloudalbum-serve", "--config", bad, "--check-config"],
            env={"CA_TEST_SECRET": SECRET}, check=False, timeout=60)
    assert r.returncode == 2
    assert "bad.yaml" in r.stderr and "colour" in r.stderr
    # No secret in the environment: refused at start, saying which variable.
    r = run([bins / "cloudalbum-serve", "--config", env["cfg"], "--check-config"], env={},
            check=False, timeout=60)
    assert r.returncode == 2 and "CA_TEST_SECRET" in r.stderr


def test_healthz_reports_each_backend(base):
    assert requests.get(base + "/healthz", timeout=10).json() == {"status": "ok"}
    r = healthz(base)
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == {"ok": True, "kind": "mysql"}
    assert body["checks"]["storage"] == {"ok": True, "kind": "disk"}
    assert body["checks"]["geodata"]["ok"] is True and body["checks"]["geodata"]["places"] > 1000


def test_config_endpoint(base):
    r = requests.get(base + "/api/config", timeout=10)
    assert r.status_code == 200
    c = r.json()
    assert c["stage"] == 0 and c["auth_kind"] == "local" and c["max_upload_mb"] == 1
    assert c["tile_url"].startswith("https://") and "{z}" in c["tile_url"]
    assert "OpenStreetMap" in c["tile_attribution"]


def test_static_front_end_and_security_headers(base):
    r = requests.get(base + "/", timeout=10)
    assert r.status_code == 200 and "text/html" in r.headers["Content-Type"]
    assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers.get("X-Request-Id")
    # requests sends "/etc/passwd" (it removes the dot segments): the app's page, not the file
    r = requests.get(base + "/../etc/passwd", timeout=10)
    assert "root:" not in r.text and r.status_code in (200, 400, 404)
    conn = http.client.HTTPConnection(base.split("//")[1], timeout=10)
    conn.request("GET", "/../etc/passwd")
    raw = conn.getresponse()
    assert raw.status in (400, 404) and b"root:" not in raw.read()
    conn.close()
    assert_error(requests.get(base + "/api/nope", timeout=10), 404, "not_found")
    assert requests.post(base + "/api/map", timeout=10).status_code == 405


def test_app_addresses_fall_back_to_the_front_end(base):
    """A typed or reloaded app address gets the app's page, not a JSON 404."""
    index = requests.get(base + "/", timeout=10)
    assert index.status_code == 200
    for path in ("/album", "/photos/12", "/map/3", "/no-such-page", "/signin"):
        r = requests.get(base + path, timeout=10)
        assert r.status_code == 200 and "text/html" in r.headers["Content-Type"], path
        assert r.text == index.text, path
        assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
    assert requests.head(base + "/album", timeout=10).status_code == 200
    # Missing files, odd paths, the API and other methods keep their answers.
    for path in ("/css/nope.css", "/album/", "/a//b", "/.env", "/album%2Fx", "/al%00bum"):
        r = requests.get(base + path, timeout=10)
        assert r.status_code in (400, 404), (path, r.status_code)
        assert "text/html" not in r.headers.get("Content-Type", ""), path
    assert_error(requests.get(base + "/api/album", timeout=10), 404, "not_found")
    assert requests.post(base + "/album", timeout=10).status_code == 405


def test_http_tile_server_is_allowed_by_the_policy(bins, tmp_path):
    """server.tile_url on plain http (a LAN tile server): its origin joins img-src."""
    dbname = create_database()
    tiles = "http://tiles.lan:8081/osm/{z}/{x}/{y}.png"
    cfg = write_config(tmp_path / "serve.yaml", dbname, tmp_path / "upload",
                       extra_server=f"  tile_url: {tiles}\n")
    srv = Serve(bins / "cloudalbum-serve", cfg, tmp_path)
    try:
        r = requests.get(srv.base + "/", timeout=10)
        img_src = next(d for d in r.headers["Content-Security-Policy"].split(";")
                       if d.strip().startswith("img-src"))
        assert img_src.split()[-1] == "http://tiles.lan:8081"
        assert requests.get(srv.base + "/api/config", timeout=10).json()["tile_url"] == tiles
        # A host that cannot be named in a policy is refused at start, naming the key.
        bad = write_config(tmp_path / "bad.yaml", dbname, tmp_path / "upload",
                           extra_server="  tile_url: \"http://x;script-src *;/{z}\"\n")
        out = run([bins / "cloudalbum-serve", "--config", bad, "--listen", "127.0.0.1:0"],
                  env={"CA_TEST_SECRET": SECRET, "PATH": "/usr/bin"}, check=False, timeout=60)
        assert out.returncode != 0 and "server.tile_url" in out.stderr, out.stderr
    finally:
        stop_and_drop(srv, dbname)


def test_access_log_is_structured(env, base):
    rid = "test-" + uuid.uuid4().hex
    requests.get(base + "/api/config?secret=zzz", headers={"X-Request-Id": rid}, timeout=10)
    line = env["srv"].access_log_line(rid)
    entry = json.loads(line)
    assert entry["method"] == "GET" and entry["path"] == "/api/config" and entry["status"] == 200
    assert entry["bytes"] > 0 and entry["duration_ms"] >= 0 and entry["request_id"] == rid
    assert "zzz" not in line


# --- users and sessions -------------------------------------------------------------------


def test_signup_signin_me_signout(base, env):
    c = Client(base)
    email = f"carol-{uuid.uuid4().hex[:8]}@example.com"
    r = c.signup(email, username="Carol")
    assert r.status_code == 201
    user = r.json()
    assert user["email"] == email and user["username"] == "Carol" and user["id"]
    assert "password" not in user
    assert_error(c.get("/api/me"), 401, "unauthorized")
    r = c.signin(email)
    assert r.status_code == 200 and r.json()["id"] == user["id"]
    cookies = r.headers.get("Set-Cookie", "")
    assert "session=" in cookies and "HttpOnly" in cookies and "SameSite=Lax" in cookies
    assert "csrf_token=" in cookies
    assert c.get("/api/me").json() == user
    # Sign out needs the CSRF token too.
    assert_error(c.delete("/api/session", csrf=False), 403)
    assert c.delete("/api/session").status_code == 204
    assert_error(c.get("/api/me"), 401)


def test_signup_errors(base):
    c = Client(base)
    email = f"dup-{uuid.uuid4().hex[:8]}@example.com"
    assert c.signup(email).status_code == 201
    assert_error(c.signup(email), 409, "conflict")
    assert_error(c.signup(email.upper()), 409)
    for bad in [dict(email="no-at-sign", username="x", password="password-1"),
                dict(email="a@b.c", username="", password="password-1"),
                dict(email="a@b.c", username="x" * 51, password="password-1"),
                dict(email="a@b.c", username="x", password="short"),
                dict(email="a" * 60 + "@b.c", username="x", password="password-1"),
                dict(email="a@b.c", username="x\u0000y", password="password-1"),
                dict(email="a@b.c", username=5, password="password-1"),
                dict(email="a@b.c", username="x", password="password-1", admin=True),
                dict(email="a@b.c")]:
        assert_error(c.post("/api/users", json=bad), 400)
    assert_error(c.post("/api/users", data="{not json", headers={"Content-Type": "application/json"}), 400)
    assert_error(c.post("/api/users", data="[1,2]", headers={"Content-Type": "application/json"}), 400)
    assert_error(c.post("/api/users", data="email=a@b.c", headers={"Content-Type": "application/x-www-form-urlencoded"}), 415)
    assert_error(c.post("/api/users", data="{" + '"a":"' + "x" * 70000 + '"}',
                        headers={"Content-Type": "application/json"}), 413)


def test_signin_errors(base, alice):
    c = Client(base)
    assert_error(c.signin(alice.email, "wrong-password"), 401)
    assert_error(c.signin("nobody-" + uuid.uuid4().hex[:6] + "@example.com"), 401)
    assert_error(c.post("/api/session", json={"email": alice.email}), 400)
    assert_error(c.post("/api/session", json={"email": 1, "password": "x"}), 400)
    assert "session=" not in c.cookies.get_dict()


def test_tampered_or_foreign_session_is_401(base, alice):
    token = alice.cookies.get("session")
    parts = token.split(".")
    # Payload swapped for another user's id: the MAC no longer fits.
    forged = Client(base)
    import base64
    other = base64.urlsafe_b64encode(b"1:victim@example.com").decode().rstrip("=")
    forged.cookies.set("session", ".".join([parts[0], other] + parts[2:]))
    assert_error(forged.get("/api/me"), 401)
    # Expiry pushed out: also breaks the MAC.
    late = Client(base)
    late.cookies.set("session", ".".join(parts[:2] + [str(int(parts[2]) + 10 ** 6)] + parts[3:]))
    assert_error(late.get("/api/photos"), 401)
    garbage = Client(base)
    garbage.cookies.set("session", "v1." + "A" * 3000)
    assert_error(garbage.get("/api/me"), 401)


def test_profile_change(base, env, alice):
    r = alice.put("/api/me", json={"username": "Alice Two", "current_password": "password-123"})
    assert r.status_code == 200 and r.json()["username"] == "Alice Two"
    assert alice.get("/api/me").json()["username"] == "Alice Two"
    assert_error(alice.put("/api/me", json={"username": "X", "current_password": "nope-nope"}), 403)
    assert_error(alice.put("/api/me", json={"username": "X"}), 400)
    assert_error(alice.put("/api/me", json={"current_password": "password-123"}), 400)
    assert_error(alice.put("/api/me", json={"password": "short", "current_password": "password-123"}), 400)
    assert_error(alice.put("/api/me", json={"email": "x@y.z", "current_password": "password-123"}), 400)
    assert_error(alice.put("/api/me", json={"username": "X", "current_password": "password-123"}, csrf=False), 403)
    assert_error(Client(base).put("/api/me", json={"username": "X", "current_password": "x"}), 401)
    r = alice.put("/api/me", json={"password": "new-password-456", "current_password": "password-123"})
    assert r.status_code == 200
    assert_error(Client(base).signin(alice.email, "password-123"), 401)
    assert Client(base).signin(alice.email, "new-password-456").status_code == 200
    row = db_query(env["db"], "SELECT username, password FROM User WHERE email=%s", (alice.email,))[0]
    assert row["username"] == "Alice Two"
    assert check_password_hash(row["password"], "new-password-456")


# --- werkzeug compatibility ----------------------------------------------------------------


def test_hash_we_write_is_accepted_by_werkzeug(env, alice):
    row = db_query(env["db"], "SELECT password FROM User WHERE email=%s", (alice.email,))[0]
    h = row["password"]
    assert h.startswith("pbkdf2:sha256:") and len(h) <= 100
    assert check_password_hash(h, "password-123")
    assert not check_password_hash(h, "password-124")


# The seed's werkzeug (50000 iterations, 8-character salt) and today's default count; scrypt
# hashes are longer than the legacy VARCHAR(100) and cannot be stored there.
@pytest.mark.parametrize("method", ["pbkdf2:sha256:50000", "pbkdf2:sha256"])
def test_user_hashed_by_werkzeug_signs_in(base, env, method):
    email = f"legacy-{uuid.uuid4().hex[:8]}@example.com"
    h = generate_password_hash("legacy pass", method=method, salt_length=8)
    assert len(h) <= 100
    db_query(env["db"], "INSERT INTO User (username, email, password) VALUES (%s, %s, %s)",
             ("Legacy", email, h))
    c = Client(base)
    assert_error(c.signin(email, "legacy pass!"), 401)
    r = c.signin(email, "legacy pass")
    assert r.status_code == 200, r.text
    assert c.get("/api/me").json()["username"] == "Legacy"


# --- CSRF -----------------------------------------------------------------------------------


def test_csrf_missing_or_wrong_is_403_and_changes_nothing(base, env, alice):
    up = alice.upload([("a.jpg", jpeg())], tags="keep", desc="orig")
    assert up.status_code == 201
    pid = up.json()["photos"][0]["id"]
    assert_error(alice.patch(f"/api/photos/{pid}", json={"desc": "hacked"}, csrf=False), 403, "forbidden")
    wrong = "A" * 43
    assert_error(alice.patch(f"/api/photos/{pid}", json={"desc": "hacked"},
                             headers={"X-CSRF-Token": wrong}), 403)
    assert_error(alice.delete(f"/api/photos/{pid}", csrf=False), 403)
    assert_error(alice.upload([("b.jpg", jpeg())], csrf=False), 403)
    # The session cookie with a planted csrf_token cookie and a header matching it: the
    # token is the session's own (HMAC of its id), not whatever the cookie jar holds.
    planted = base64.urlsafe_b64encode(os.urandom(32)).rstrip(b"=").decode()
    c = Client(base)
    c.cookies.update({"session": alice.cookies.get("session"), "csrf_token": planted})
    assert_error(c.delete(f"/api/photos/{pid}", headers={"X-CSRF-Token": planted}), 403)
    # Another session's token (of the same user) does not pass either.
    other = Client(base)
    assert other.signin(alice.email).status_code == 200
    assert other.cookies.get("csrf_token") != alice.cookies.get("csrf_token")
    assert_error(alice.delete(f"/api/photos/{pid}",
                              headers={"X-CSRF-Token": other.cookies.get("csrf_token")}), 403)
    rows = db_query(env["db"], "SELECT `desc` FROM Photo WHERE id=%s", (pid,))
    assert rows == [{"desc": "orig"}]
    assert len(alice.get("/api/photos").json()["photos"]) == 1


# --- uploads -----------------------------------------------------------------------------------


@pytest.mark.skipif(EXIFTOOL is None, reason="exiftool not installed")
def test_upload_reads_exif_gps_and_places_it(env, alice, tmp_path):
    data = with_exif(jpeg(640, 480), tmp_path, lat=37.5665, lng=126.978, make="TestCam",
                     model="Model <b>One</b>", taken="2021:06:15 10:30:00")
    r = alice.upload([("../../etc/seoul trip.jpg", data)], tags="seoul,<script>", desc="Palace")
    assert r.status_code == 201, r.text
    (p,) = r.json()["photos"]
    assert set(p) == PHOTO_FIELDS
    assert p["filename_orig"] == "seoul trip.jpg"
    assert p["make"] == "TestCam" and p["model"] == "Model <b>One</b>"
    assert p["width"] == "640" and p["height"] == "480" and p["filesize"] == len(data)
    assert abs(p["geotag_lat"] - 37.5665) < 1e-4 and abs(p["geotag_lng"] - 126.978) < 1e-4
    assert p["taken_date"].startswith("2021-06-15T10:30:00")
    assert p["nation"] == "South Korea" and "Seoul" in p["city"] and "Seoul" in p["address"]
    assert p["tags"] == "seoul,<script>" and p["desc"] == "Palace"
    assert p["thumb_url"] == f"/api/photos/{p['id']}/image?size=thumb"
    # Files in the legacy layout, named <uuid4>.jpg, thumbnail within 300x200.
    row = db_query(env["db"], "SELECT * FROM Photo WHERE id=%s", (p["id"],))[0]
    assert str(uuid.UUID(row["filename"][:-4])) == row["filename"][:-4] and row["filename"].endswith(".jpg")
    assert uuid.UUID(row["filename"][:-4]).version == 4
    assert photo_files(env, alice) == [row["filename"], "grid/" + row["filename"],
                                       "thumbnails/" + row["filename"]]
    orig = alice.get(p["original_url"])
    assert orig.status_code == 200 and orig.content == data
    assert orig.headers["Content-Type"] == "image/jpeg"
    thumb = alice.get(p["thumb_url"])
    from PIL import Image
    import io
    im = Image.open(io.BytesIO(thumb.content))
    assert im.format == "JPEG" and im.size == (267, 200)


def test_upload_several_files_at_once(alice):
    r = alice.upload([("one.jpg", jpeg(color=(10, 20, 30))), ("two.jpg", jpeg(color=(200, 20, 30)))],
                     tags="pair", desc="")
    assert r.status_code == 201
    photos = r.json()["photos"]
    assert [p["filename_orig"] for p in photos] == ["one.jpg", "two.jpg"]
    assert all(p["geotag_lat"] is None and p["city"] is None for p in photos)
    assert len(alice.get("/api/photos").json()["photos"]) == 2


def test_upload_refusals_leave_nothing(env, alice):
    good = jpeg()
    cases = [
        ([("pic.jpg", png_bytes())], 415, "unsupported_media_type"),        # PNG renamed .jpg
        ([("cut.jpg", good[: len(good) // 2])], 400, None),                 # truncated JPEG
        ([("head.jpg", good[:200])], 400, None),                            # headers cut short
        ([("bomb.jpg", bomb_jpeg())], 413, None),                           # 60000 x 60000
        ([("empty.jpg", b"")], 400, None),
        ([("text.jpg", b"hello world")], 415, None),
        ([("ok.jpg", good), ("bad.jpg", png_bytes())], 415, None),          # all or nothing
    ]
    for files, status, name in cases:
        r = alice.upload(files, tags="x")
        assert_error(r, status, name)
    assert alice.get("/api/photos").json()["photos"] == []
    assert photo_files(env, alice) == []
    # The server is still fine after the bomb.
    assert requests.get(env["srv"].base + "/healthz", timeout=10).status_code == 200
    assert alice.upload([("fine.jpg", good)]).status_code == 201


def test_upload_too_large_is_413(env, alice):
    big = jpeg(3000, 2000, quality=100)
    big += b"\0" * max(0, 1024 * 1024 + 10 - len(big))   # over max_upload_mb: 1
    assert_error(alice.upload([("big.jpg", big)]), 413, "payload_too_large")
    # Just under the whole-body cap but over the per-file cap.
    half = jpeg() + b"\0" * (1024 * 1024 - 2000)
    assert_error(alice.upload([("a.jpg", half[:600 * 1024]), ("b.jpg", half[:600 * 1024])]), 413)
    assert photo_files(env, alice) == []


def test_upload_bad_forms(base, alice):
    assert_error(alice.post("/api/photos", data=b"garbage", headers={"Content-Type": "multipart/form-data; boundary=xyz"}), 400)
    assert_error(alice.post("/api/photos", json={"file": "x"}), 415)
    assert_error(alice.post("/api/photos", files=[("tags", (None, "a"))]), 400)    # no file part
    assert_error(alice.upload([("a.jpg", jpeg())], tags="x" * 401), 400)
    assert_error(alice.upload([("a.jpg", jpeg())], desc=b"\xff\xfe".decode("latin-1").encode("latin-1")), 400)
    assert_error(Client(base).upload([("a.jpg", jpeg())]), 401)


# --- listing, paging, search -----------------------------------------------------------------


def test_list_newest_first_with_cursor_paging(alice):
    ids = []
    for i in range(5):
        r = alice.upload([(f"p{i}.jpg", jpeg(64, 48))], tags=f"n{i}", desc=f"photo {i}")
        ids.append(r.json()["photos"][0]["id"])
        time.sleep(0.01)
    seen, cursor = [], None
    while True:
        params = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = alice.get("/api/photos", params=params).json()
        assert len(page["photos"]) <= 2
        seen += [p["id"] for p in page["photos"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == list(reversed(ids))
    assert_error(alice.get("/api/photos", params={"limit": 0}), 400)
    assert_error(alice.get("/api/photos", params={"limit": "ten"}), 400)
    assert_error(alice.get("/api/photos", params={"limit": 100000}), 400)
    assert_error(alice.get("/api/photos", params={"cursor": "not-a-cursor"}), 400)
    assert_error(alice.get("/api/photos", params={"q": "x" * 201}), 400)


def test_list_pages_in_the_taken_or_the_upload_order(env, alice):
    def set_taken(pid, taken):
        db_query(env["db"], "UPDATE Photo SET taken_date=%s WHERE id=%s", (taken, pid))

    check_album_orders(alice, set_taken)


def test_search_matches_tags_or_desc_case_insensitively(alice, bob):
    alice.upload([("a.jpg", jpeg())], tags="Beach,sun", desc="Holiday")
    alice.upload([("b.jpg", jpeg())], tags="mountain", desc="A walk on the BEACH path")
    alice.upload([("c.jpg", jpeg())], tags="city", desc="Night")
    bob.upload([("d.jpg", jpeg())], tags="beach", desc="bob's")
    def search(q):
        return sorted(p["filename_orig"] for p in alice.get("/api/photos", params={"q": q}).json()["photos"])
    assert search("beach") == ["a.jpg", "b.jpg"]
    assert search("NIGHT") == ["c.jpg"]
    assert search("%") == []
    assert search("_") == []
    assert search("nothing-like-this") == []
    assert len(alice.get("/api/photos", params={"q": ""}).json()["photos"]) == 3


def test_search_matches_place_and_file_name(alice, tmp_path):
    seoul = with_exif(jpeg(), tmp_path, lat=37.5665, lng=126.978)
    alice.upload([("IMG_2041.jpg", seoul)], tags="x", desc="y")
    alice.upload([("other.jpg", jpeg())], tags="x", desc="y")
    def search(q):
        return sorted(p["filename_orig"] for p in alice.get("/api/photos", params={"q": q}).json()["photos"])
    assert search("img_2041") == ["IMG_2041.jpg"]
    [photo] = [p for p in alice.get("/api/photos").json()["photos"] if p["filename_orig"] == "IMG_2041.jpg"]
    assert photo["nation"] == "South Korea" and photo["city"]
    assert search("south KOREA") == ["IMG_2041.jpg"]
    assert search(photo["city"].upper()) == ["IMG_2041.jpg"]
    assert search("x") == ["IMG_2041.jpg", "other.jpg"]


# --- one photo: get, patch, delete, image, map --------------------------------------------------


def test_get_patch_delete(env, alice):
    pid = alice.upload([("a.jpg", jpeg())], tags="t1", desc="d1").json()["photos"][0]["id"]
    p = alice.get(f"/api/photos/{pid}").json()
    assert p["id"] == pid and set(p) == PHOTO_FIELDS
    r = alice.patch(f"/api/photos/{pid}", json={"tags": "t2,t3", "desc": "new"})
    assert r.status_code == 200 and r.json()["tags"] == "t2,t3" and r.json()["desc"] == "new"
    # A location set by hand is geocoded; cleared again with nulls.
    r = alice.patch(f"/api/photos/{pid}", json={"geotag_lat": 48.8566, "geotag_lng": 2.3522})
    assert r.status_code == 200
    assert r.json()["nation"] == "France" and "Paris" in r.json()["city"]
    r = alice.patch(f"/api/photos/{pid}", json={"geotag_lat": 1.0, "geotag_lng": 2.0, "city": "Mine"})
    assert r.json()["city"] == "Mine"
    r = alice.patch(f"/api/photos/{pid}", json={"geotag_lat": None, "geotag_lng": None})
    assert r.json()["geotag_lat"] is None and r.json()["city"] is None
    for bad in [{"geotag_lat": 91, "geotag_lng": 0}, {"geotag_lat": 10}, {"tags": 5},
                {"desc": "x" * 401}, {"filename": "../../x.jpg"}, {"user_id": 1},
                {"geotag_lat": "1", "geotag_lng": "2"}]:
        assert_error(alice.patch(f"/api/photos/{pid}", json=bad), 400)
    row = db_query(env["db"], "SELECT tags, `desc`, filename FROM Photo WHERE id=%s", (pid,))[0]
    assert row["tags"] == "t2,t3" and row["desc"] == "new"
    assert len(photo_files(env, alice)) == 3
    assert alice.delete(f"/api/photos/{pid}").status_code == 204
    assert_error(alice.get(f"/api/photos/{pid}"), 404)
    assert_error(alice.delete(f"/api/photos/{pid}"), 404)
    assert db_query(env["db"], "SELECT id FROM Photo WHERE id=%s", (pid,)) == []
    assert photo_files(env, alice) == []


def test_bad_ids_and_image_sizes(alice):
    pid = alice.upload([("a.jpg", jpeg())]).json()["photos"][0]["id"]
    for bad in ["0", "999999999", "abc", "1%27%20OR%201=1", "-1", "1.5", "x" * 100]:
        assert_error(alice.get(f"/api/photos/{bad}"), 404)
        assert_error(alice.get(f"/api/photos/{bad}/image?size=thumb"), 404)
    assert_error(alice.get(f"/api/photos/{pid}/image?size=huge"), 400)
    for bad in ["Grid", "grid ", "thumbnails", "grid&size=original", "grid\x00"]:
        assert_error(alice.get(f"/api/photos/{pid}/image", params={"size": bad}), 400)
    assert alice.get(f"/api/photos/{pid}/image").status_code == 200


def test_missing_thumbnail_is_remade(env, alice):
    p = alice.upload([("a.jpg", jpeg(900, 300))]).json()["photos"][0]
    thumb = env["upload"] / norm_email(alice.email) / "thumbnails" / (
        db_query(env["db"], "SELECT filename FROM Photo WHERE id=%s", (p["id"],))[0]["filename"])
    thumb.unlink()
    r = alice.get(p["thumb_url"])
    assert r.status_code == 200 and r.content[:2] == b"\xff\xd8"
    assert thumb.exists()
    from PIL import Image
    import io
    assert Image.open(io.BytesIO(r.content)).size == (300, 100)


def image_size(content):
    from PIL import Image
    import io
    im = Image.open(io.BytesIO(content))
    assert im.format == "JPEG"
    return im.size


@pytest.mark.parametrize("size,thumb,grid", [
    ((600, 900), (133, 200), (267, 400)),     # portrait: 2x the 200 px row, not a soft 133x200
    ((640, 480), (267, 200), (533, 400)),
    ((4000, 500), (300, 38), (1600, 200)),    # a panorama: bounded width
    ((64, 48), (64, 48), (64, 48)),           # never enlarged
])
def test_grid_image_is_made_on_upload(env, alice, size, thumb, grid):
    from PIL import Image
    import io
    p = alice.upload([("g.jpg", jpeg(*size))]).json()["photos"][0]
    assert p["grid_url"] == f"/api/photos/{p['id']}/image?size=grid"
    g = alice.get(p["grid_url"])
    assert g.status_code == 200 and g.headers["Content-Type"] == "image/jpeg"
    assert g.headers["Cache-Control"] == "no-store"
    assert image_size(g.content) == grid
    # the seed's thumbnail is unchanged: Pillow's thumbnail((300, 200)) size
    ref = Image.new("RGB", size)
    ref.thumbnail((300, 200))
    assert image_size(alice.get(p["thumb_url"]).content) == ref.size == thumb
    row = db_query(env["db"], "SELECT filename FROM Photo WHERE id=%s", (p["id"],))[0]
    assert (env["upload"] / norm_email(alice.email) / "grid" / row["filename"]).is_file()
    assert alice.delete(f"/api/photos/{p['id']}").status_code == 204
    assert photo_files(env, alice) == []


def test_missing_grid_image_is_made_on_first_request(env, alice):
    """A photo from before grid images (a legacy or migrated one): made once, then stored."""
    p = alice.upload([("old.jpg", jpeg(500, 1000))]).json()["photos"][0]
    row = db_query(env["db"], "SELECT filename FROM Photo WHERE id=%s", (p["id"],))[0]
    grid = env["upload"] / norm_email(alice.email) / "grid" / row["filename"]
    grid.unlink()
    (grid.parent).rmdir()
    r = alice.get(p["grid_url"])
    assert r.status_code == 200 and image_size(r.content) == (200, 400)
    assert grid.is_file() and grid.read_bytes() == r.content
    # an original that is gone: 404, nothing made
    (env["upload"] / norm_email(alice.email) / row["filename"]).unlink()
    grid.unlink()
    assert_error(alice.get(p["grid_url"]), 404)
    assert not grid.exists()


def test_list_says_the_total_on_the_first_album_page(env, alice, bob):
    ids = [alice.upload([(f"t{i}.jpg", jpeg(64, 48))], tags="tot").json()["photos"][0]["id"]
           for i in range(5)]
    first = alice.get("/api/photos", params={"limit": 2}).json()
    assert first["total"] == 5 and len(first["photos"]) == 2
    assert first["total"] == db_query(env["db"], "SELECT COUNT(*) AS n FROM Photo WHERE user_id = "
                                      "(SELECT id FROM User WHERE email=%s)", (alice.email,))[0]["n"]
    # later pages and searches do not count again
    nxt = alice.get("/api/photos", params={"limit": 2, "cursor": first["next_cursor"]}).json()
    assert nxt["total"] is None
    assert alice.get("/api/photos", params={"q": "tot"}).json()["total"] is None
    # another user's photos are not counted; a delete is
    assert bob.get("/api/photos").json()["total"] == 0
    assert alice.delete(f"/api/photos/{ids[0]}").status_code == 204
    assert alice.get("/api/photos").json()["total"] == 4


@pytest.mark.skipif(EXIFTOOL is None, reason="exiftool not installed")
def test_map_is_geojson_of_geotagged_photos(alice, tmp_path):
    alice.upload([("seoul.jpg", with_exif(jpeg(), tmp_path, lat=37.5665, lng=126.978))])
    alice.upload([("busan.jpg", with_exif(jpeg(), tmp_path, lat=35.1796, lng=129.0756))])
    alice.upload([("nogps.jpg", jpeg())])
    fc = alice.get("/api/map").json()
    assert fc["type"] == "FeatureCollection" and len(fc["features"]) == 2
    by_name = {f["properties"]["filename_orig"]: f for f in fc["features"]}
    f = by_name["busan.jpg"]
    assert f["type"] == "Feature" and f["geometry"]["type"] == "Point"
    lng, lat = f["geometry"]["coordinates"]
    assert abs(lat - 35.1796) < 1e-4 and abs(lng - 129.0756) < 1e-4
    assert f["properties"]["thumb_url"].endswith("size=thumb")
    assert_error(Client(alice.base).get("/api/map"), 401)


def test_every_photo_endpoint_needs_sign_in(base, alice):
    pid = alice.upload([("a.jpg", jpeg())]).json()["photos"][0]["id"]
    anon = Client(base)
    for method, path in [("GET", "/api/photos"), ("GET", f"/api/photos/{pid}"),
                         ("GET", f"/api/photos/{pid}/image?size=thumb"), ("GET", "/api/map"),
                         ("GET", "/api/me")]:
        assert_error(anon.request(method, path), 401)
    for method, path in [("PATCH", f"/api/photos/{pid}"), ("DELETE", f"/api/photos/{pid}"),
                         ("POST", "/api/photos"), ("PUT", "/api/me")]:
        assert anon.request(method, path, json={}).status_code in (401, 403)


# --- ownership -------------------------------------------------------------------------------------


def test_another_users_photo_is_404_and_unchanged(env, alice, bob):
    p = alice.upload([("mine.jpg", jpeg())], tags="private", desc="alice's").json()["photos"][0]
    pid = p["id"]
    before_row = db_query(env["db"], "SELECT * FROM Photo WHERE id=%s", (pid,))
    before_files = photo_files(env, alice)
    assert_error(bob.get(f"/api/photos/{pid}"), 404)
    assert_error(bob.get(f"/api/photos/{pid}/image?size=original"), 404)
    assert_error(bob.get(f"/api/photos/{pid}/image?size=thumb"), 404)
    assert_error(bob.get(f"/api/photos/{pid}/image?size=grid"), 404)
    assert_error(bob.patch(f"/api/photos/{pid}", json={"desc": "bob was here", "tags": "x"}), 404)
    assert_error(bob.patch(f"/api/photos/{pid}", json={"geotag_lat": 1, "geotag_lng": 1}), 404)
    assert_error(bob.delete(f"/api/photos/{pid}"), 404)
    assert bob.get("/api/photos").json()["photos"] == []
    assert bob.get("/api/photos", params={"q": "private"}).json()["photos"] == []
    assert bob.get("/api/map").json()["features"] == []
    assert db_query(env["db"], "SELECT * FROM Photo WHERE id=%s", (pid,)) == before_row
    assert photo_files(env, alice) == before_files
    assert alice.get(f"/api/photos/{pid}").json()["desc"] == "alice's"
    # Bob's CSRF token with Alice's session: still refused (tokens are per browser).
    mixed = Client(env["srv"].base)
    mixed.cookies.update({"session": alice.cookies.get("session"), "csrf_token": alice.cookies.get("csrf_token")})
    assert_error(mixed.delete(f"/api/photos/{pid}", headers={"X-CSRF-Token": bob.cookies.get("csrf_token")}), 403)
