"""Helpers for the cloudalbum-serve tests: a serve process on a fresh MariaDB database and
a temp upload folder, a signed-in API client, and JPEG fixtures made at test time (Pillow,
exiftool for GPS)."""
import io
import os
import shutil
import signal
import time
import uuid
from pathlib import Path

import requests
from PIL import Image, ImageDraw

from helpers import (create_mysql_database, drop_mysql_database, free_port, mysql_query, run,
                     start, wait_http)

ROOT = Path(__file__).resolve().parents[2]
# The front end as served: the bundle `make build` writes (scripts/build-web.mjs).
WEB = ROOT / "build" / "web"
SECRET = "test-secret-" + "x" * 40
# every config these helpers write names it: /healthz shows its details only with it
HEALTHZ_TOKEN = "healthz-token-" + "h" * 20
EXIFTOOL = shutil.which("exiftool")


def create_database():
    """A fresh MariaDB database for one serve process; returns its name (drop_database)."""
    return create_mysql_database("ca_serve_")


drop_database = drop_mysql_database


def stop_and_drop(srv, dbname):
    """Stops srv (Serve.stop: a clean exit is checked) and drops its database dbname, also
    when the stop fails."""
    try:
        srv.stop()
    finally:
        drop_database(dbname)
db_query = mysql_query


def create_stage3_pool(idp, **client_options):
    """Creates a user pool and app client shaped like stage 3's (email usernames, a required
    name, a client with a secret and the password/refresh flows) with the boto3 cognito-idp
    client `idp`; client_options are added to create_user_pool_client's arguments.
    Returns (pool, client): the UserPool and UserPoolClient dicts. boto3's errors propagate."""
    pool = idp.create_user_pool(
        PoolName="cloudalbum-users", UsernameAttributes=["email"],
        AutoVerifiedAttributes=["email"],
        Schema=[{"Name": "name", "AttributeDataType": "String", "Required": True,
                 "Mutable": True}])["UserPool"]
    client = idp.create_user_pool_client(
        UserPoolId=pool["Id"], ClientName="cloudalbum-web", GenerateSecret=True,
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        ReadAttributes=["email", "email_verified", "name"], **client_options)["UserPoolClient"]
    return pool, client


def write_cognito_config(path, upload_dir, pool_id, client_id, client_secret, endpoint,
                         base_url=None, auth_extra="", emulator="moto"):
    """Writes path: a serve config without `stage:` on DynamoDB (the contract's tables), disk
    storage in upload_dir and Cognito sign-in with the given pool and app client, every AWS
    call sent to endpoint (moto). base_url, when given, goes under server:; auth_extra is
    more "  key: value" lines for auth:, each ending in a newline; emulator is
    aws.emulator (None: not written, so the endpoint counts as AWS's). Returns path."""
    base_line = f"  base_url: {base_url}\n" if base_url else ""
    emulator_line = f"  emulator: {emulator}\n" if emulator else ""
    path.write_text(f"""server:
{base_line}  session_secret: ${{CA_TEST_SECRET}}
  max_upload_mb: 2
  threads: 4
  healthz_token: {HEALTHZ_TOKEN}
database:
  kind: dynamodb
storage:
  kind: disk
  path: {upload_dir}
auth:
  kind: cognito
  user_pool_id: {pool_id}
  client_id: {client_id}
  client_secret: {client_secret}
  domain: cloudalbum-test
{auth_extra}tracing:
  kind: none
aws:
  region: ap-southeast-1
  endpoint: {endpoint}
{emulator_line}""")
    return path


def write_config(path, dbname, upload_dir, max_upload_mb=2, extra_server=""):
    path.write_text(f"""stage: 0
server:
  listen: 127.0.0.1:8080
  base_url: http://localhost:8080
  session_secret: ${{CA_TEST_SECRET}}
  max_upload_mb: {max_upload_mb}
  threads: 4
  static_dir: {WEB}
  healthz_token: {HEALTHZ_TOKEN}
{extra_server}database:
  kind: mysql
  url: mysql://root@127.0.0.1:3306/{dbname}
storage:
  kind: disk
  path: {upload_dir}
auth:
  kind: local
tracing:
  kind: none
""")
    return path


class Serve:
    """One cloudalbum-serve process. stop() sends SIGTERM and checks a clean exit."""

    def __init__(self, binary, config, workdir, env=None):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.out = workdir / f"serve-{self.port}.out"
        self.err = workdir / f"serve-{self.port}.err"
        full_env = dict(os.environ, CA_TEST_SECRET=SECRET)
        full_env.update(env or {})
        with open(self.out, "wb") as o, open(self.err, "wb") as e:
            self.proc = start([binary, "--config", config, "--listen", f"127.0.0.1:{self.port}"],
                              env=full_env, cwd=ROOT, stdout=o, stderr=e, new_session=True)
        try:
            wait_http(self.base + "/healthz", timeout=60)
        except Exception:
            self.proc.kill()
            raise AssertionError("serve did not start:\n" + self.err.read_text())

    def stderr(self):
        return self.err.read_text(errors="replace")

    def access_log(self):
        return self.out.read_text(errors="replace")

    def access_log_line(self, needle, timeout=10):
        """The first access-log line holding needle. The server writes the line when the
        request completes, which is after the client has its response, so wait for it."""
        deadline = time.monotonic() + timeout
        while True:
            for line in self.access_log().splitlines():
                if needle in line:
                    return line
            if time.monotonic() > deadline:
                raise AssertionError(f"no access-log line with {needle!r} after {timeout}s")
            time.sleep(0.05)

    def stop(self, timeout=60):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        rc = self.proc.wait(timeout=timeout)
        err = self.stderr()
        assert rc == 0, f"serve exited {rc}:\n{err}"
        for bad in ("AddressSanitizer", "LeakSanitizer", "runtime error:"):
            assert bad not in err, err
        return rc


class Client(requests.Session):
    """A requests session on one serve, sending the CSRF header from its cookie."""

    def __init__(self, base):
        super().__init__()
        self.base = base

    def request(self, method, url, *args, csrf=True, **kw):
        headers = dict(kw.pop("headers", None) or {})
        if csrf and method.upper() in ("POST", "PUT", "PATCH", "DELETE"):
            token = self.cookies.get("csrf_token")
            if token and "X-CSRF-Token" not in headers:
                headers["X-CSRF-Token"] = token
        kw.setdefault("timeout", 60)
        kw.setdefault("allow_redirects", False)
        return super().request(method, self.base + url, *args, headers=headers, **kw)

    def signup(self, email, username="Someone", password="password-123", **kw):
        return self.post("/api/users", json=dict(email=email, username=username, password=password),
                         **kw)

    def signin(self, email, password="password-123", **kw):
        return self.post("/api/session", json=dict(email=email, password=password), **kw)

    def upload(self, files, tags="", desc="", **kw):
        parts = [("file", (name, data, "image/jpeg")) for name, data in files]
        return self.post("/api/photos", files=parts, data=dict(tags=tags, desc=desc), **kw)


def new_user(base, prefix="u"):
    c = Client(base)
    email = f"{prefix}-{uuid.uuid4().hex[:10]}@example.com"
    r = c.signup(email, username=prefix.capitalize())
    assert r.status_code == 201, r.text
    r = c.signin(email)
    assert r.status_code == 200, r.text
    c.email = email
    c.user = r.json()
    return c


def healthz(base, timeout=30):
    """GET /healthz with the details (the configs written here name HEALTHZ_TOKEN)."""
    return requests.get(base + "/healthz", timeout=timeout,
                        headers={"Authorization": f"Bearer {HEALTHZ_TOKEN}"})


def norm_email(email):
    return email.replace("@", "_at_").replace(".", "_dot_")


def jpeg(w=640, h=480, color=(40, 110, 200), quality=90):
    im = Image.new("RGB", (w, h), color)
    d = ImageDraw.Draw(im)
    for i in range(0, min(w, h), 23):
        d.line([(0, i), (w, h - i)], fill=(255 - color[0], 255 - color[1], 255 - color[2]), width=2)
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def with_exif(data, tmpdir, lat=None, lng=None, make=None, model=None, taken=None):
    """data with EXIF written by exiftool (an independent writer)."""
    assert EXIFTOOL, "exiftool (libimage-exiftool-perl) is needed"
    p = Path(tmpdir) / f"x-{uuid.uuid4().hex}.jpg"
    p.write_bytes(data)
    args = [EXIFTOOL, "-q", "-overwrite_original"]
    if lat is not None:
        args += [f"-GPSLatitude={abs(lat)}", f"-GPSLatitudeRef={'N' if lat >= 0 else 'S'}",
                 f"-GPSLongitude={abs(lng)}", f"-GPSLongitudeRef={'E' if lng >= 0 else 'W'}"]
    if make:
        args.append(f"-Make={make}")
    if model:
        args.append(f"-Model={model}")
    if taken:
        args.append(f"-DateTimeOriginal={taken}")
    run(args + [p], timeout=60, text=False)
    out = p.read_bytes()
    p.unlink()
    return out


def png_bytes():
    buf = io.BytesIO()
    Image.new("RGB", (64, 64), (1, 2, 3)).save(buf, "PNG")
    return buf.getvalue()


def bomb_jpeg(width=60000, height=60000):
    """A small, valid-looking JPEG whose frame header claims width x height."""
    data = bytearray(jpeg(16, 16))
    i = 2
    while i < len(data):
        assert data[i] == 0xFF
        marker = data[i + 1]
        seg_len = int.from_bytes(data[i + 2:i + 4], "big")
        if marker in (0xC0, 0xC1, 0xC2):
            data[i + 5:i + 7] = height.to_bytes(2, "big")
            data[i + 7:i + 9] = width.to_bytes(2, "big")
            return bytes(data)
        i += 2 + seg_len
    raise AssertionError("no frame header found")


def wait_until(pred, timeout=30.0, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return
        time.sleep(0.05)
    raise AssertionError(f"{what} did not happen within {timeout}s")


class _Bits:
    """An MSB-first bit writer for JPEG entropy-coded data (0xFF bytes stuffed)."""

    def __init__(self):
        self.out = bytearray()
        self.acc = 0
        self.n = 0

    def put(self, value, nbits):
        for i in range(nbits - 1, -1, -1):
            self.acc = (self.acc << 1) | ((value >> i) & 1)
            self.n += 1
            if self.n == 8:
                self.out.append(self.acc)
                if self.acc == 0xFF:
                    self.out.append(0)
                self.acc = self.n = 0

    def flush(self):
        while self.n:
            self.put(1, 1)
        return bytes(self.out)


def _segment(marker, payload):
    return bytes([0xFF, marker]) + (len(payload) + 2).to_bytes(2, "big") + payload


def progressive_jpeg(width, height, max_al=6, bands=63):
    """A valid grey progressive JPEG of width x height, flat mid-grey, whose scan script is
    one DC scan and then, for each AC coefficient 1..bands alone, a first scan at
    Al=max_al and successive-approximation refinements down to Al=0: 1 + bands*(max_al+1)
    scans. Every block's coefficients are zero, so the scans are end-of-band runs and the
    file stays small, while a decoder still walks every block in every scan (the decode
    bomb of a few hundred scans over many megapixels)."""
    blocks = ((width + 7) // 8) * ((height + 7) // 8)
    out = bytearray(b"\xff\xd8")
    out += _segment(0xDB, b"\x00" + b"\x01" * 64)
    out += _segment(0xC2, bytes([8]) + height.to_bytes(2, "big") + width.to_bytes(2, "big")
                    + bytes([1, 1, 0x11, 0]))
    # DC table 0: category 0 -> '0', category 1 -> '10'.
    out += _segment(0xC4, bytes([0x00, 1, 1] + [0] * 14 + [0, 1]))
    # AC table 0: the end-of-band symbols EOB0..EOB14 (0x00, 0x10, ..., 0xE0), four bits each.
    syms = [r << 4 for r in range(15)]
    out += _segment(0xC4, bytes([0x10, 0, 0, 0, 15] + [0] * 12 + syms))

    def sos(ss, se, ah, al):
        return _segment(0xDA, bytes([1, 1, 0x00, ss, se, (ah << 4) | al]))

    out += sos(0, 0, 0, 0)
    bits = _Bits()
    for _ in range(blocks):
        bits.put(0, 1)                  # DC difference of category 0
    out += bits.flush()

    def eob_runs():
        bits = _Bits()
        left = blocks
        while left:
            run = min(left, 32767)
            n = run.bit_length() - 1
            bits.put(syms.index(n << 4), 4)
            bits.put(run - (1 << n), n)
            left -= run
        return bits.flush()

    runs = eob_runs()
    for k in range(1, bands + 1):
        out += sos(k, k, 0, max_al) + runs
        for al in range(max_al - 1, -1, -1):
            out += sos(k, k, al + 1, al) + runs
    out += b"\xff\xd9"
    return bytes(out)
