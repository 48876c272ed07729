"""A small legacy deployment made by hand for the dirty-data tests of cloudalbum-migrate:
the legacy schema (lib/db/legacy_schema.sql) in a fresh MariaDB database, rows put in
with plain SQL (so any NULL, zero date or odd byte the schema allows can be made), and an
upload folder laid out as the legacy app lays it out (<norm(email)>/<file> and
<norm(email)>/thumbnails/<file>), with JPEGs made by Pillow."""
import contextlib
import io
import re
from pathlib import Path

import pymysql
from PIL import Image

from helpers import MYSQL, fresh_mysql_database, run

ROOT = Path(__file__).resolve().parents[2]
BUCKET = "cloudalbum-dirty-test"
REGION = "ap-southeast-1"


def norm(email):
    return email.replace("@", "_at_").replace(".", "_dot_")


def small_jpeg(w=64, h=48, color=(200, 80, 40)):
    buf = io.BytesIO()
    Image.new("RGB", (w, h), color).save(buf, "JPEG", quality=80)
    return buf.getvalue()


class Legacy:
    """One hand-made legacy deployment: .url (mysql://), .db, .upload (the folder)."""

    def __init__(self, name, url, upload):
        self.db, self.url, self.upload = name, url, upload
        schema = (ROOT / "lib" / "db" / "legacy_schema.sql").read_text()
        schema = re.sub(r"--[^\n]*", "", schema)
        for stmt in [s.strip() for s in schema.split(";") if s.strip()]:
            self.sql(stmt)

    def sql(self, stmt, args=(), mode=None):
        """Runs one statement; mode sets the session's sql_mode first (e.g. '' to allow
        zero dates). Returns the last insert id."""
        conn = pymysql.connect(**MYSQL, database=self.db, autocommit=True, charset="utf8mb4")
        try:
            with conn.cursor() as c:
                if mode is not None:
                    c.execute("SET SESSION sql_mode = %s", (mode,))
                c.execute(stmt, args)
                return c.lastrowid
        finally:
            conn.close()

    def user(self, email, username="Someone", password="pbkdf2:sha256:1$salt$00", id=None):
        return self.sql("INSERT INTO `User` (id, username, email, password) VALUES (%s, %s, %s, %s)",
                        (id, username, email, password))

    def photo(self, user_id, filename, mode=None, **cols):
        """A Photo row; every column not given is NULL. Returns its id."""
        cols = dict(cols, user_id=user_id, filename=filename)
        names = ", ".join(f"`{k}`" for k in cols)
        marks = ", ".join(["%s"] * len(cols))
        return self.sql(f"INSERT INTO `Photo` ({names}) VALUES ({marks})", tuple(cols.values()),
                        mode=mode)

    def files(self, email, filename, original=True, thumb=True, data=None):
        """Lays the photo's files out in the upload folder; returns the original's bytes."""
        folder = self.upload / norm(email)
        data = data if data is not None else small_jpeg()
        if original:
            folder.mkdir(parents=True, exist_ok=True)
            (folder / filename).write_bytes(data)
        if thumb:
            (folder / "thumbnails").mkdir(parents=True, exist_ok=True)
            (folder / "thumbnails" / filename).write_bytes(small_jpeg(32, 24))
        return data


@contextlib.contextmanager
def legacy_deployment(tmp_path, prefix="ca_dirty_"):
    with fresh_mysql_database(prefix) as (name, url):
        upload = tmp_path / "upload"
        upload.mkdir()
        yield Legacy(name, url, upload)


def provision(moto):
    """The stage-2 target: the contract's tables (with the guard table) and the bucket."""
    from helpers import create_contract_tables
    create_contract_tables(moto.client("dynamodb"))
    moto.client("s3").create_bucket(Bucket=BUCKET,
                                    CreateBucketConfiguration={"LocationConstraint": REGION})


def target_config(tmp_path, moto, name="target.yaml", serve=False):
    """A stage-2 serve config on the moto tables and bucket; with serve=True it can also
    run cloudalbum-serve (listen, secret, static files)."""
    server = f"  session_secret: {'s' * 40}\n"
    if serve:
        server += (f"  listen: 127.0.0.1:8080\n  base_url: http://localhost:8080\n"
                   f"  max_upload_mb: 2\n  threads: 2\n  static_dir: {ROOT / 'build' / 'web'}\n")
    p = tmp_path / name
    p.write_text(f"""server:
{server}database:
  kind: dynamodb
  user_table: User
  photo_table: Photo
storage:
  kind: s3
  bucket: {BUCKET}
  prefix: photos
auth:
  kind: local
tracing:
  kind: none
aws:
  region: {REGION}
  endpoint: {moto.endpoint}
""")
    return p


def migrate(bins, env, legacy, cfg, state, verb="run", *extra, extra_env=None):
    """Runs cloudalbum-migrate VERB on the hand-made deployment; returns the process."""
    cmd = [str(bins / "cloudalbum-migrate"), verb, "--from-db", legacy.url, "--from-dir",
           str(legacy.upload), "--to", str(cfg), "--state", str(state), *extra]
    return run(cmd, env=dict(env, **(extra_env or {})), check=False, timeout=300)


def scan(ddb, table):
    items, kw = [], {}
    while True:
        page = ddb.scan(TableName=table, ConsistentRead=True, **kw)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            return items
        kw["ExclusiveStartKey"] = page["LastEvaluatedKey"]
