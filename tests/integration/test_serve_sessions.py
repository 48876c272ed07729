"""cloudalbum-serve under the attacks of issue 10 on sessions, accounts and exposure, at
stage 0 (MariaDB): a stolen cookie after sign-out or a password change (two processes
sharing only the database), a planted CSRF cookie and cross-site requests, someone else's
failed sign-ins locking the owner out (directly and through a trusted proxy), sign-up
spam, account enumeration by hash work, cached photos, /healthz details, files of web/
that are not the UI, and two addresses sharing one legacy folder. No timing is asserted:
work is counted (the server's password-work counter)."""
import base64
import gzip
import os
import re
import uuid

import pytest
import requests
from requests.adapters import HTTPAdapter

from helpers import run
from serve_helpers import (WEB, Client, Serve, create_database, db_query, drop_database, healthz,
                           jpeg, new_user, norm_email, write_config)

PROXY = "127.0.0.1"          # the trusted proxy: the tests' own loopback address
OUTSIDER = "127.0.0.2"       # another loopback address, not trusted


class BoundAdapter(HTTPAdapter):
    """Connects from a chosen local address (the whole of 127/8 is loopback on Linux)."""

    def __init__(self, source, **kw):
        self.source = source
        super().__init__(**kw)

    def init_poolmanager(self, connections, maxsize, block=False, **kw):
        kw["source_address"] = (self.source, 0)
        super().init_poolmanager(connections, maxsize, block, **kw)


def client_from(base, source):
    c = Client(base)
    c.mount("http://", BoundAdapter(source))
    return c


@pytest.fixture
def setup(bins, tmp_path):
    dbname = create_database()
    upload = tmp_path / "upload"
    servers = []

    def start(extra="", base_url=None, name="serve.yaml"):
        cfg = write_config(tmp_path / name, dbname, upload,
                           extra_server=extra)
        if base_url:
            cfg.write_text(cfg.read_text().replace("http://localhost:8080", base_url))
        s = Serve(bins / "cloudalbum-serve", cfg, tmp_path)
        servers.append(s)
        return s
    try:
        yield dict(start=start, db=dbname, upload=upload)
    finally:
        for s in servers:
            s.stop()
        drop_database(dbname)


def details(srv):
    r = healthz(srv.base)
    assert r.status_code == 200, r.text
    return r.json()


def with_cookies(base, cookies):
    c = Client(base)
    c.cookies.update(cookies)
    return c


# --- 5. revocation ------------------------------------------------------------------------


def test_sign_out_revokes_that_session_in_every_process(setup):
    a, b = setup["start"](), setup["start"](name="b.yaml")
    alice = new_user(a.base, "alice")
    stolen = alice.cookies.get_dict()
    assert with_cookies(b.base, stolen).get("/api/me").status_code == 200
    elsewhere = Client(b.base)                       # alice on another device
    assert elsewhere.signin(alice.email).status_code == 200
    assert alice.delete("/api/session").status_code == 204
    # the copied cookie is dead on both processes, also for reading images and lists
    for srv in (a, b):
        thief = with_cookies(srv.base, stolen)
        assert thief.get("/api/me").status_code == 401
        assert thief.get("/api/photos").status_code == 401
        assert thief.patch("/api/photos/1", json={"desc": "x"},
                           headers={"X-CSRF-Token": stolen["csrf_token"]}).status_code == 401
    # the other session of the same user lives on
    assert elsewhere.get("/api/me").json()["email"] == alice.email
    assert with_cookies(a.base, elsewhere.cookies.get_dict()).get("/api/me").status_code == 200
    rows = db_query(setup["db"], "SELECT COUNT(*) AS n FROM cloudalbum_session_revoked")
    assert rows == [{"n": 1}]


def test_password_change_revokes_every_other_session(setup):
    a, b = setup["start"](), setup["start"](name="b.yaml")
    alice = new_user(a.base, "pat")
    stolen = alice.cookies.get_dict()
    other = Client(b.base)
    assert other.signin(alice.email).status_code == 200
    r = alice.put("/api/me", json={"password": "brand-new-pass", "current_password": "password-123"})
    assert r.status_code == 200, r.text
    assert alice.cookies.get_dict() != stolen        # this client got a fresh session
    for srv in (a, b):
        assert with_cookies(srv.base, alice.cookies.get_dict()).get("/api/me").status_code == 200
        assert with_cookies(srv.base, stolen).get("/api/me").status_code == 401
        assert with_cookies(srv.base, other.cookies.get_dict()).get("/api/me").status_code == 401
    assert alice.put("/api/me", json={"username": "Pat", "current_password": "brand-new-pass"}
                     ).status_code == 200            # the renewed session's CSRF token works
    assert Client(b.base).signin(alice.email, "brand-new-pass").status_code == 200
    assert Client(b.base).signin(alice.email).status_code == 401
    # a username change alone ends nothing
    keep = alice.cookies.get_dict()
    assert alice.put("/api/me", json={"username": "Pat2", "current_password": "brand-new-pass"}
                     ).status_code == 200
    assert with_cookies(b.base, keep).get("/api/me").status_code == 200


# --- 9. CSRF bound to the session, and cross-site requests ------------------------------------


def test_planted_csrf_cookie_and_cross_site_requests_are_refused(setup):
    srv = setup["start"]()
    alice = new_user(srv.base, "csrf")
    pid = alice.upload([("a.jpg", jpeg())]).json()["photos"][0]["id"]
    # an attacker who can plant cookies (a sibling subdomain) sets a well-formed csrf_token
    # of their own and sends it in the header too
    planted = base64.urlsafe_b64encode(os.urandom(32)).rstrip(b"=").decode()
    victim = with_cookies(srv.base, {"session": alice.cookies.get("session"),
                                     "csrf_token": planted})
    r = victim.patch(f"/api/photos/{pid}", json={"desc": "hacked"},
                     headers={"X-CSRF-Token": planted})
    assert r.status_code == 403
    token = {"X-CSRF-Token": alice.cookies.get("csrf_token")}
    for hostile in ({"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"},
                    {"Sec-Fetch-Site": "same-site"}, {"Origin": "null"}):
        r = alice.patch(f"/api/photos/{pid}", json={"desc": "hacked"}, headers={**token, **hostile})
        assert r.status_code == 403, hostile
        r = Client(srv.base).post("/api/session", json={"email": alice.email,
                                                          "password": "password-123"},
                                  headers=hostile)
        assert r.status_code == 403 and "session" not in r.cookies, hostile
    assert alice.get(f"/api/photos/{pid}").json()["desc"] in ("", None)
    # the app's own pages: same-origin (by base_url or by Host) passes
    same = {"Sec-Fetch-Site": "same-origin", "Origin": srv.base}
    r = alice.patch(f"/api/photos/{pid}", json={"desc": "mine"}, headers={**token, **same})
    assert r.status_code == 200, r.text
    r = alice.patch(f"/api/photos/{pid}", json={"desc": "mine too"},
                    headers={**token, "Origin": "http://localhost:8080"})
    assert r.status_code == 200, r.text


# --- 6. lockout; trusted proxies ----------------------------------------------------------------


def until_refused(attempt, most=15):
    """Calls attempt() until it answers 429 (at most `most` times); returns the statuses.
    (The buckets refill a few tokens a minute, so a slow run may need a try or two more
    than the burst: counted, never timed.)"""
    codes = []
    while len(codes) < most:
        codes.append(attempt().status_code)
        if codes[-1] == 429:
            break
    return codes


def test_someone_elses_failures_never_lock_the_owner_out(setup):
    srv = setup["start"](extra=f"  trusted_proxies: [{PROXY}]\n")
    owner = new_user(srv.base, "owner")
    # an attacker on another address, whose made-up X-Forwarded-For is not believed
    attacker = client_from(srv.base, OUTSIDER)
    n = iter(range(100))
    codes = until_refused(lambda: attacker.signin(
        owner.email, "guess", headers={"X-Forwarded-For": f"10.9.9.{next(n)}"}))
    assert codes[-1] == 429 and set(codes[:-1]) == {401} and len(codes) >= 6, codes
    assert attacker.signin(owner.email).status_code == 429      # even the right password
    # the owner, from their own address, is not refused, and their profile is theirs to change
    assert Client(srv.base).signin(owner.email).status_code == 200
    r = owner.put("/api/me", json={"username": "Still Me", "current_password": "password-123"})
    assert r.status_code == 200, r.text
    # behind the trusted proxy: attacker and owner arrive from one address, told apart by
    # the hop the proxy appended (an attacker's own X-Forwarded-For entries are to its left)
    via_proxy = Client(srv.base)
    codes = until_refused(lambda: via_proxy.signin(
        owner.email, "guess", headers={"X-Forwarded-For": f"{uuid.uuid4()}, 203.0.113.9"}))
    assert codes[-1] == 429 and set(codes[:-1]) == {401} and len(codes) >= 6, codes
    assert via_proxy.signin(owner.email, headers={"X-Forwarded-For": "198.51.100.7, 203.0.113.9"}
                            ).status_code == 429
    assert Client(srv.base).signin(owner.email, headers={"X-Forwarded-For": "198.51.100.7"}
                                   ).status_code == 200
    # profile changes have their own bucket: wrong current passwords stop there...
    codes = until_refused(lambda: owner.put("/api/me", json={"username": "X",
                                                             "current_password": "bad"}))
    assert codes[-1] == 429 and set(codes[:-1]) == {403} and len(codes) >= 6, codes
    assert owner.put("/api/me", json={"username": "X", "current_password": "password-123"}
                     ).status_code == 429
    # ...and do not touch sign-in
    assert Client(srv.base).signin(owner.email).status_code == 200


def test_untrusted_forwarded_for_gives_no_fresh_budget(setup):
    srv = setup["start"]()                 # no trusted proxies at all
    real = new_user(srv.base, "real")
    c = Client(srv.base)
    n = iter(range(100))
    codes = until_refused(lambda: c.signin(real.email, "guess",
                                           headers={"X-Forwarded-For": f"192.0.2.{next(n)}"}))
    assert codes[-1] == 429, codes


def test_the_address_budget_is_server_signin_limit(setup):
    """server.signin_limit sets how many attempts one address may make at once (and a
    minute), over any accounts: with 4, a few attempts in, even the right password is
    refused from that address (the default 30 would allow all 15 tries), while another
    address still signs in. Counted, never timed: a slow run may get a refill or two."""
    srv = setup["start"](extra="  signin_limit: 4\n")
    users = [new_user(srv.base, f"u{i}") for i in range(2)]   # 2 attempts of the 4
    c = Client(srv.base)
    n = iter(range(100))
    codes = until_refused(lambda: c.signin(users[next(n) % 2].email, "wrong"))
    assert codes[-1] == 429 and set(codes[:-1]) == {401} and len(codes) <= 8, codes
    assert c.signin(users[0].email).status_code == 429
    assert client_from(srv.base, OUTSIDER).signin(users[0].email).status_code == 200


def test_trusted_proxies_must_be_addresses(setup, bins, tmp_path):
    cfg = write_config(tmp_path / "bad.yaml", setup["db"], setup["upload"],
                       extra_server="  trusted_proxies: [lb.internal]\n")
    r = run([bins / "cloudalbum-serve", "--config", cfg, "--check-config"],
            env={"CA_TEST_SECRET": "s" * 40, "PATH": "/usr/bin:/bin"}, check=False, timeout=60)
    assert r.returncode != 0 and "server.trusted_proxies" in r.stderr, r.stderr


# --- 7. sign-up spam ------------------------------------------------------------------------------


def test_sign_ups_are_limited_per_address(setup):
    srv = setup["start"](extra="  signup_limit: 3\n")
    before = details(srv)["password_work"]["derivations"]
    c = Client(srv.base)
    codes = [c.signup(f"spam-{i}-{uuid.uuid4().hex[:6]}@example.com").status_code for i in range(5)]
    assert codes == [201, 201, 201, 429, 429]
    # a refused sign-up costs no hash
    assert details(srv)["password_work"]["derivations"] - before == 3
    assert client_from(srv.base, OUTSIDER).signup(f"fine-{uuid.uuid4().hex[:6]}@example.com"
                                                  ).status_code == 201


# --- 8. enumeration -------------------------------------------------------------------------------


def test_unknown_and_known_emails_cost_the_same_work(setup):
    srv = setup["start"]()
    known = new_user(srv.base, "known")
    c = Client(srv.base)

    def work_of(email):
        before = details(srv)["password_work"]
        r = c.signin(email, "not-the-password")
        after = details(srv)["password_work"]
        return r, (after["derivations"] - before["derivations"],
                   after["pbkdf2_iterations"] - before["pbkdf2_iterations"])

    r_known, w_known = work_of(known.email)
    r_unknown, w_unknown = work_of(f"nobody-{uuid.uuid4().hex[:8]}@example.com")
    assert w_known == w_unknown == (1, 600000)
    assert r_known.status_code == r_unknown.status_code == 401
    assert r_known.json() == r_unknown.json()


# --- 10. headers: private images, HSTS, /healthz ---------------------------------------------------


def test_photos_are_not_cached_and_healthz_tells_strangers_little(setup):
    srv = setup["start"]()
    alice = new_user(srv.base, "pix")
    photo = alice.upload([("a.jpg", jpeg())]).json()["photos"][0]
    for url in (photo["thumb_url"], photo["original_url"]):
        r = alice.get(url)
        assert r.status_code == 200 and r.headers["Content-Type"] == "image/jpeg"
        assert r.headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in r.headers          # base_url is http here
    r = requests.get(srv.base + "/healthz", timeout=30)
    assert r.status_code == 200 and r.json() == {"status": "ok"}
    r = requests.get(srv.base + "/healthz", headers={"Authorization": "Bearer wrong-token-xxxxxxx"},
                     timeout=30)
    assert r.json() == {"status": "ok"}
    full = details(srv)
    assert full["checks"]["database"] == {"ok": True, "kind": "mysql"}
    assert "in_flight" in full


def test_hsts_when_base_url_is_https(setup):
    srv = setup["start"](base_url="https://album.example.test")
    for path in ("/healthz", "/", "/api/me"):
        r = requests.get(srv.base + path, timeout=30)
        assert r.headers["Strict-Transport-Security"].startswith("max-age="), path


# --- 11. only the UI's files --------------------------------------------------------------------------


def bundle_assets(base):
    """The content-named files the served index.html loads: (scripts, stylesheets)."""
    index = requests.get(base + "/", timeout=30)
    assert index.status_code == 200
    assets = re.findall(r'(?:href|src)="(/assets/[^"]+)"', index.text)
    scripts = [a for a in assets if a.endswith(".js")]
    styles = [a for a in assets if a.endswith(".css")]
    assert scripts and styles, index.text
    return scripts, styles


def test_only_the_front_end_is_served(setup):
    srv = setup["start"]()
    scripts, styles = bundle_assets(srv.base)
    leaflet = sorted(WEB.glob("assets/leaflet-*/leaflet.css"))
    assert len(leaflet) == 1
    leaflet_dir = "/" + leaflet[0].parent.relative_to(WEB).as_posix()
    # the sources, the build's own copies and anything not the UI: not served
    for path in ("/README.md", "/package.json", "/Readme.md", "/assets/", "/js/app.js",
                 "/css/app.css", "/vendor/leaflet/leaflet.css", "/index.html.gz",
                 scripts[0] + ".br", scripts[0] + ".gz", scripts[0] + ".map",
                 leaflet_dir + "/"):
        assert requests.get(srv.base + path, timeout=30).status_code == 404, path
    for path in ("/", "/index.html", "/icon.svg", *scripts, *styles, leaflet_dir + "/leaflet.css",
                 leaflet_dir + "/images/marker-icon.png"):
        assert requests.get(srv.base + path, timeout=30).status_code == 200, path


def test_the_bundle_is_sent_compressed_and_cached_for_a_year(setup):
    srv = setup["start"]()
    scripts, styles = bundle_assets(srv.base)
    compressed = 0
    for path in ("/", *scripts, *styles):
        plain = requests.get(srv.base + path, headers={"Accept-Encoding": "identity"}, timeout=30)
        assert plain.status_code == 200
        assert "Content-Encoding" not in plain.headers, path
        assert int(plain.headers["Content-Length"]) == len(plain.content)
        cache = plain.headers["Cache-Control"]
        if path == "/":
            assert cache == "no-cache"
        else:
            assert cache == "public, max-age=31536000, immutable", path
        if len(plain.content) < 256:  # too small to gain from compressing (build-web.mjs)
            assert "Vary" not in plain.headers, path
            continue
        compressed += 1
        assert plain.headers["Vary"] == "Accept-Encoding", path
        for coding in ("gzip", "br"):
            r = requests.get(srv.base + path, headers={"Accept-Encoding": coding}, timeout=30,
                             stream=True)
            body = r.raw.read(decode_content=False)
            assert r.headers["Content-Encoding"] == coding, path
            assert r.headers["Vary"] == "Accept-Encoding"
            assert int(r.headers["Content-Length"]) == len(body) < len(plain.content), path
            assert r.headers["ETag"] != plain.headers["ETag"]
            if coding == "gzip":
                assert gzip.decompress(body) == plain.content, path
    assert compressed >= 3  # the page, the app's script and its stylesheet at least


def test_a_missing_front_end_build_is_named_at_start(bins, tmp_path):
    empty = tmp_path / "web"
    empty.mkdir()
    cfg = write_config(tmp_path / "serve.yaml", "not_used", tmp_path / "upload")
    cfg.write_text(cfg.read_text().replace(f"static_dir: {WEB}", f"static_dir: {empty}"))
    r = run([bins / "cloudalbum-serve", "--config", cfg, "--listen", "127.0.0.1:0"],
            env=dict(os.environ, CA_TEST_SECRET="x" * 40), check=False, timeout=60)
    assert r.returncode != 0
    assert f"server.static_dir {empty} holds no front end" in r.stderr, r.stderr
    assert "make build" in r.stderr


# --- 12. two addresses, one legacy folder -----------------------------------------------------------


def test_an_address_whose_folder_is_taken_cannot_sign_up(setup):
    srv = setup["start"]()
    c = Client(srv.base)
    tag = uuid.uuid4().hex[:6]
    first = f"a_at_b{tag}@x.io"
    assert c.signup(first).status_code == 201
    r = c.signup(f"a@b{tag}_at_x.io")
    assert r.status_code == 409, r.text
    assert "folder" in r.json()["message"]
    # a legacy user (written by the seed application, not through this server) counts too
    db_query(setup["db"], "INSERT INTO `User` (username, email, password) VALUES (%s, %s, %s)",
             ("Legacy", f"c_dot_d{tag}@y.io", "pbkdf2:sha256:50000$abcdefgh$00"))
    assert c.signup(f"c.d{tag}@y.io").status_code == 409
    rows = db_query(setup["db"], "SELECT email FROM `User` ORDER BY id")
    assert [r["email"] for r in rows] == [first, f"c_dot_d{tag}@y.io"]
    # the legacy naming stays for the one who has it
    alice = Client(srv.base)
    assert alice.signin(first).status_code == 200
    alice.upload([("a.jpg", jpeg())])
    assert (setup["upload"] / norm_email(first)).is_dir()
