"""cloudalbum-migrate: a seeded legacy deployment (cloudalbum-legacy-seed, 5 users x 8
photos) moved into DynamoDB + S3 on moto, then checked with boto3, pymysql, Pillow and
werkzeug against the data contract and the legacy data, independently of our verify.

The legacy deployment (MySQL database + upload folder) is built once per module and never
changed: tests that need an untidier folder work on a copy."""
import io
import re
import shutil
import struct
import time
from datetime import timezone
from pathlib import Path

import pytest
from PIL import Image
from werkzeug.security import check_password_hash

from helpers import fresh_mysql_database, legacy_seed, mysql_query, run, start

USERS, PER_USER, SEED = 5, 8, 2121
BUCKET = "cloudalbum-migrate-test"
UUID_HEX = re.compile(r"^[0-9a-f]{12}4[0-9a-f]{3}[89ab][0-9a-f]{15}$")
DATE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+0000$")


def norm(email):
    return email.replace("@", "_at_").replace(".", "_dot_")


@pytest.fixture(scope="module")
def legacy(bins, tmp_path_factory):
    upload = tmp_path_factory.mktemp("legacy") / "upload"
    with fresh_mysql_database("ca_mig_") as (name, url):
        passwords = legacy_seed(bins, url, upload, USERS, PER_USER, SEED)
        yield dict(db=name, url=url, upload=upload, passwords=passwords)


def legacy_users(db):
    return mysql_query(db, "SELECT * FROM `User` ORDER BY id")


def legacy_photos(db):
    # CAST: the FLOAT's exact single-precision value, not the 6 digits of the text protocol
    return mysql_query(db, "SELECT *, CAST(geotag_lat AS DOUBLE) AS lat, "
                           "CAST(geotag_lng AS DOUBLE) AS lng FROM `Photo` ORDER BY user_id, id")


def provision(moto, cognito=False):
    ddb = moto.client("dynamodb")
    thr = {"ReadCapacityUnits": 10, "WriteCapacityUnits": 10}
    ddb.create_table(
        TableName="User", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"},
                              {"AttributeName": "email", "AttributeType": "S"}],
        GlobalSecondaryIndexes=[{"IndexName": "user-email-index",
                                 "KeySchema": [{"AttributeName": "email", "KeyType": "HASH"}],
                                 "Projection": {"ProjectionType": "INCLUDE",
                                                "NonKeyAttributes": ["password"]},
                                 "ProvisionedThroughput": thr}],
        ProvisionedThroughput=thr)
    ddb.create_table(
        TableName="Photo", KeySchema=[{"AttributeName": "user_id", "KeyType": "HASH"},
                                      {"AttributeName": "id", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "user_id", "AttributeType": "S"},
                              {"AttributeName": "id", "AttributeType": "N"}],
        ProvisionedThroughput=thr)
    ddb.create_table(
        TableName="User-guard", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        ProvisionedThroughput=thr)
    moto.client("s3").create_bucket(
        Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "ap-southeast-1"})
    if not cognito:
        return None
    idp = moto.client("cognito-idp")
    pool = idp.create_user_pool(
        PoolName="cloudalbum-users", UsernameAttributes=["email"], AutoVerifiedAttributes=["email"],
        Schema=[{"Name": "name", "AttributeDataType": "String", "Required": True, "Mutable": True},
                {"Name": "legacy_id", "AttributeDataType": "String", "Mutable": True}])
    return pool["UserPool"]["Id"]


def config(tmp_path, moto, pool=None):
    auth = "  kind: local\n"
    if pool:
        auth = (f"  kind: cognito\n  user_pool_id: {pool}\n  client_id: abc\n"
                f"  client_secret: def\n  domain: cloudalbum-test\n")
    p = tmp_path / "target.yaml"
    p.write_text(f"""stage: {3 if pool else 2}
server:
  session_secret: {'s' * 40}
database:
  kind: dynamodb
  user_table: User
  photo_table: Photo
storage:
  kind: s3
  bucket: {BUCKET}
auth:
{auth}tracing:
  kind: none
aws:
  region: ap-southeast-1
  endpoint: {moto.endpoint}
""")
    return p


class Migrate:
    def __init__(self, bins, env, legacy, cfg, state, upload=None):
        self.bin, self.env, self.legacy, self.cfg, self.state = bins / "cloudalbum-migrate", env, legacy, cfg, state
        self.upload = upload or legacy["upload"]

    def __call__(self, verb, *extra, env=None, ok=True):
        cmd = [str(self.bin), verb, "--from-db", self.legacy["url"], "--from-dir", str(self.upload),
               "--to", str(self.cfg), "--state", str(self.state), *extra]
        p = run(cmd, env=dict(self.env, **(env or {})), check=False, timeout=600)
        if ok:
            assert p.returncode == 0, f"{verb} exited {p.returncode}\n{p.stdout}\n{p.stderr}"
        return p


@pytest.fixture
def migrate(bins, moto, aws_env, legacy, tmp_path):
    provision(moto)
    return Migrate(bins, aws_env, legacy, config(tmp_path, moto), tmp_path / "state")


def scan(moto, table):
    ddb = moto.client("dynamodb")
    items, kw = [], {}
    while True:
        page = ddb.scan(TableName=table, **kw)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            return items
        kw["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def pynamo_date(dt):
    return dt.replace(tzinfo=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f+0000")


def as_float(x):
    return struct.unpack("f", struct.pack("f", x))[0]


def snapshot(moto):
    s3 = moto.client("s3")
    objs = s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])
    users = sorted(scan(moto, "User"), key=lambda i: i["id"]["S"])
    photos = sorted(scan(moto, "Photo"), key=lambda i: (i["user_id"]["S"], i["id"]["N"]))
    return users, photos, sorted((o["Key"], o["ETag"], o["LastModified"]) for o in objs)


def test_run_moves_everything_as_the_contract_says(migrate, moto, legacy):
    p = migrate("run")
    upload = legacy["upload"]
    users, photos = legacy_users(legacy["db"]), legacy_photos(legacy["db"])
    items = scan(moto, "User")
    # the User table holds users only (the seed's User.scan() sees no guard)
    assert all("email" in i for i in items)
    user_items = {i["email"]["S"]: i for i in items}
    guards = {i["id"]["S"]: i["user_id"]["S"] for i in scan(moto, "User-guard")}
    assert len(user_items) == USERS and len(guards) == USERS
    ids = {}
    for u in users:
        it = user_items[u["email"]]
        assert set(it) == {"id", "email", "username", "password"}
        assert UUID_HEX.match(it["id"]["S"]), it["id"]
        assert it["username"]["S"] == u["username"] and it["password"]["S"] == u["password"]
        # the seed application (werkzeug) still signs these users in
        assert check_password_hash(it["password"]["S"], legacy["passwords"][u["email"]])
        assert guards["email#" + u["email"].lower()] == it["id"]["S"]
        ids[u["id"]] = (it["id"]["S"], u["email"])
    state = Path(migrate.state).read_text()
    for legacy_id, (new_id, _) in ids.items():
        assert f"user {legacy_id} {new_id}\n" in state

    ddb_photos = {(i["user_id"]["S"], int(i["id"]["N"])): i for i in scan(moto, "Photo")}
    assert len(ddb_photos) == len(photos) == USERS * PER_USER
    s3 = moto.client("s3")
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"]}
    used_ids = {}
    missing_original = None
    for r in photos:
        owner, email = ids[r["user_id"]]
        ms = int(r["upload_date"].replace(tzinfo=timezone.utc).timestamp() * 1000)
        # the id is the upload time; a clash within a user moves it up by 1 ms
        pid = ms
        while (owner, pid) in used_ids:
            pid += 1
        used_ids[(owner, pid)] = r["id"]
        it = ddb_photos[(owner, pid)]
        # every attribute of the seed's model, "" for a NULL text (as the seed's form sends)
        for k in ("tags", "desc", "filename_orig", "filename", "width", "height", "nation", "address",
                  "make", "model", "city"):
            assert it[k] == {"S": r[k] or ""}, k
        assert it["filesize"] == {"N": str(r["filesize"])}
        assert DATE.match(it["upload_date"]["S"]) and it["upload_date"]["S"] == pynamo_date(r["upload_date"])
        assert it["taken_date"]["S"] == pynamo_date(r["taken_date"] or r["upload_date"])
        if r["lat"] is None:
            # no location: a number the seed's map script takes, no latitude at all
            assert it["geotag_lat"] == {"S": "999"} and it["geotag_lng"] == {"S": "999"}
        else:
            assert as_float(float(it["geotag_lat"]["S"])) == as_float(r["lat"])
            assert as_float(float(it["geotag_lng"]["S"])) == as_float(r["lng"])
        folder = upload / norm(email)
        okey = f"photos/{norm(email)}/{r['filename']}"
        tkey = f"photos/{norm(email)}/thumbnails/{r['filename']}"
        if (folder / r["filename"]).exists():
            o = s3.get_object(Bucket=BUCKET, Key=okey)
            assert o["ContentType"] == "image/jpeg"
            assert o["Body"].read() == (folder / r["filename"]).read_bytes()
        else:
            missing_original = r["filename"]
            assert okey not in keys
        thumb = folder / "thumbnails" / r["filename"]
        if not thumb.exists():
            thumb = folder / "thumbnail" / r["filename"]
        o = s3.get_object(Bucket=BUCKET, Key=tkey)
        assert o["ContentType"] == "image/jpeg"
        assert o["Body"].read() == thumb.read_bytes()
    assert missing_original, "the seed leaves one row without its original"
    # the untidy things are reported; the file with no row is not invented into S3
    assert missing_original in p.stdout
    row_files = {r["filename"] for r in photos}
    orphans = [f for f in upload.glob("*/*.jp*g") if f.name not in row_files]
    assert orphans and all(f.name in p.stdout for f in orphans)
    assert not any(k.endswith(f.name) for k in keys for f in orphans)
    assert "thumbnail/" in p.stdout
    assert len(keys) == 2 * len(photos) - 1
    v = migrate("verify")
    assert "nothing lost" in v.stdout


def test_second_run_changes_nothing(migrate, moto):
    migrate("run")
    before = snapshot(moto)
    p = migrate("run")
    assert "nothing to do" in p.stdout
    assert "0 items written" in p.stdout and "0 uploaded" in p.stdout
    assert snapshot(moto) == before


def test_plan_reports_and_writes_nothing(migrate, moto, legacy):
    p = migrate("plan")
    assert f"users: {USERS} legacy" in p.stdout
    assert f"photos: {USERS * PER_USER} legacy rows" in p.stdout
    assert "1 missing originals" in p.stdout and "1 thumbnails under thumbnail/" in p.stdout
    assert scan(moto, "User") == [] and scan(moto, "Photo") == []
    assert "Contents" not in moto.client("s3").list_objects_v2(Bucket=BUCKET)
    assert not Path(migrate.state).exists()
    d = migrate("run", "--dry-run")
    assert scan(moto, "Photo") == [] and "missing originals" in d.stdout


@pytest.mark.parametrize("crash", ["objects:10", "items:25"])
def test_killed_run_resumes_with_the_same_ids(migrate, moto, crash):
    p = migrate("run", env={"CA_MIGRATE_CRASH_AFTER": crash}, ok=False)
    assert p.returncode == -9, (p.returncode, p.stdout, p.stderr)
    state = Path(migrate.state).read_text()
    written = scan(moto, "Photo")
    assert len(written) < USERS * PER_USER
    migrate("run")
    assert Path(migrate.state).read_text() == state
    users = [i for i in scan(moto, "User") if "email" in i]
    assert len(users) == USERS
    photos = scan(moto, "Photo")
    assert len(photos) == USERS * PER_USER
    assert len({(i["user_id"]["S"], i["id"]["N"]) for i in photos}) == USERS * PER_USER
    # what the first run wrote is still there, under the same keys
    keys = {(i["user_id"]["S"], i["id"]["N"]) for i in photos}
    assert all((i["user_id"]["S"], i["id"]["N"]) in keys for i in written)
    assert {i["id"]["S"] for i in users} == set(re.findall(r"^user \d+ (\S+)$", state, re.M))
    migrate("verify")
    # the killed run's lock (its process is gone from this host) was taken over, then released
    assert scan(moto, "User-guard") and not [i for i in scan(moto, "User-guard")
                                             if i["id"]["S"].startswith("lock#")]


def test_verify_names_what_was_tampered_with(migrate, moto, legacy):
    migrate("run")
    s3, ddb = moto.client("s3"), moto.client("dynamodb")
    photo = sorted(scan(moto, "Photo"), key=lambda i: i["filename"]["S"])[0]
    user = next(i for i in scan(moto, "User") if i.get("id", {}).get("S") == photo["user_id"]["S"])
    key = f"photos/{norm(user['email']['S'])}/{photo['filename']['S']}"
    good = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
    s3.put_object(Bucket=BUCKET, Key=key, Body=good[:-10] + b"x" * 10, ContentType="image/jpeg")
    p = migrate("verify", ok=False)
    assert p.returncode == 1 and key in p.stdout and "DIFFERS" in p.stdout

    s3.put_object(Bucket=BUCKET, Key=key, Body=good, ContentType="image/png")
    p = migrate("verify", ok=False)
    assert p.returncode == 1 and "image/png" in p.stdout

    s3.put_object(Bucket=BUCKET, Key=key, Body=good, ContentType="image/jpeg")
    migrate("verify")
    ddb.update_item(TableName="Photo", Key={"user_id": photo["user_id"], "id": photo["id"]},
                    UpdateExpression="SET #d = :d", ExpressionAttributeNames={"#d": "desc"},
                    ExpressionAttributeValues={":d": {"S": "tampered"}})
    p = migrate("verify", ok=False)
    assert p.returncode == 1 and photo["filename"]["S"] in p.stdout and "desc" in p.stdout

    ddb.put_item(TableName="Photo", Item=photo)
    migrate("verify")
    ddb.update_item(TableName="User", Key={"id": user["id"]}, UpdateExpression="SET password = :p",
                    ExpressionAttributeValues={":p": {"S": "pbkdf2:sha256:1$x$00"}})
    p = migrate("verify", ok=False)
    assert p.returncode == 1 and user["email"]["S"] in p.stdout and "password" in p.stdout

    ddb.put_item(TableName="User", Item=user)
    ddb.delete_item(TableName="Photo", Key={"user_id": photo["user_id"], "id": photo["id"]})
    p = migrate("verify", ok=False)
    assert p.returncode == 1 and "no item" in p.stdout


def test_missing_thumbnail_is_made_from_the_original(bins, moto, aws_env, legacy, tmp_path):
    provision(moto)
    upload = tmp_path / "upload"
    shutil.copytree(legacy["upload"], upload)
    thumb = sorted(upload.glob("*/thumbnails/*.jp*g"))[0]
    thumb.unlink()
    m = Migrate(bins, aws_env, legacy, config(tmp_path, moto), tmp_path / "state", upload)
    p = m("run")
    assert thumb.name in p.stdout and "missing thumbnails" in p.stdout
    key = f"photos/{thumb.parent.parent.name}/thumbnails/{thumb.name}"
    data = moto.client("s3").get_object(Bucket=BUCKET, Key=key)["Body"].read()
    img = Image.open(io.BytesIO(data))
    assert img.format == "JPEG" and img.width <= 300 and img.height <= 200
    assert max(img.width / 300, img.height / 200) > 0.99  # fills the box on one side
    m("verify")


def test_email_already_taken_is_left_behind_and_reported(migrate, moto, legacy):
    u = legacy_users(legacy["db"])[0]
    moto.client("dynamodb").put_item(TableName="User", Item={
        "id": {"S": "f" * 32}, "email": {"S": u["email"]}, "username": {"S": "someone"},
        "password": {"S": "x"}})
    p = migrate("plan")
    assert u["email"] in p.stdout and "1 conflicts" in p.stdout
    p = migrate("run", ok=False)
    assert p.returncode == 1 and u["email"] in p.stdout and "left behind" in p.stdout
    owners = {i["user_id"]["S"] for i in scan(moto, "Photo")}
    assert len(owners) == USERS - 1 and "f" * 32 not in owners
    p = migrate("verify", ok=False)
    assert p.returncode == 1 and u["email"] in p.stdout


def test_cognito_users_carry_their_legacy_id(bins, moto, aws_env, legacy, tmp_path):
    pool = provision(moto, cognito=True)
    m = Migrate(bins, aws_env, legacy, config(tmp_path, moto, pool), tmp_path / "state")
    p = m("run", "--cognito")
    assert "they keep their passwords" in p.stdout
    idp = moto.client("cognito-idp")
    pool_users = idp.list_users(UserPoolId=pool)["Users"]
    assert len(pool_users) == USERS
    by_email = {}
    for pu in pool_users:
        attrs = {a["Name"]: a["Value"] for a in pu["Attributes"]}
        by_email[attrs["email"]] = (pu["Username"], attrs)
    owners = {i["user_id"]["S"] for i in scan(moto, "Photo")}
    for u in legacy_users(legacy["db"]):
        name, attrs = by_email[u["email"]]
        assert attrs["custom:legacy_id"] == str(u["id"])
        assert attrs["name"] == u["username"] and attrs["email_verified"] == "true"
        assert name in owners
    assert len(owners) == USERS
    again = m("run", "--cognito")
    assert "nothing to do" in again.stdout
    assert len(idp.list_users(UserPoolId=pool)["Users"]) == USERS
    m("verify", "--cognito")
    # the state remembers Cognito owners: a run without --cognito on it is refused
    p = m("run", ok=False)
    assert p.returncode == 1 and "--cognito" in p.stderr


BASE = ["--from-db", "mysql://root@127.0.0.1/x", "--from-dir", "/nonexistent", "--to", "/x.yaml"]


@pytest.mark.parametrize("args", [
    [], ["run"], ["fly", *BASE], ["run", "--jobs", "0", *BASE], ["run", "--jobs", "257", *BASE],
    ["run", "--jobs", "4x", *BASE], ["plan", "--dry-run", *BASE], ["run", "--bogus", *BASE],
    ["run", "--from-db", "postgres://h/d", "--from-dir", "/x", "--to", "/y"],
    ["run", "--from-dir", "/x", "--to", "/y"], ["run", "verify", *BASE], ["run", "--cognito=1", *BASE]])
def test_bad_command_lines_exit_2(bins, args):
    p = run([bins / "cloudalbum-migrate", *args], check=False, timeout=60)
    assert p.returncode == 2, (args, p.stdout, p.stderr)
    assert "usage:" in p.stderr


def test_corrupt_state_file_stops_the_run(migrate, moto):
    Path(migrate.state).write_text("cloudalbum-migrate state 1\nowner uuid\nuser 1 abc\nuser 1 def\n")
    p = migrate("run", ok=False)
    assert p.returncode == 1 and "repeats legacy user 1" in p.stderr
    assert scan(moto, "User") == []


def lock_item(expires, host="other-host.example", pid=4242):
    return {"id": {"S": "lock#migrate"}, "token": {"S": "f" * 32}, "host": {"S": host},
            "pid": {"N": str(pid)}, "started": {"S": "2026-01-01T00:00:00.000000+0000"},
            "expires": {"N": str(int(expires))}}


def test_a_run_holding_the_target_lock_refuses_a_second(migrate, moto):
    ddb = moto.client("dynamodb")
    ddb.put_item(TableName="User-guard", Item=lock_item(time.time() + 600))
    p = migrate("run", ok=False)
    assert p.returncode == 1
    assert "Another cloudalbum-migrate run" in p.stderr and "other-host.example" in p.stderr
    assert "wrote nothing" in p.stderr
    assert scan(moto, "User") == [] and scan(moto, "Photo") == []
    # plan and verify read only: they do not need the lock
    migrate("plan")
    # a holder whose lease ran out (it died on its host) is taken over
    ddb.put_item(TableName="User-guard", Item=lock_item(time.time() - 5))
    migrate("run")
    assert len(scan(moto, "User")) == USERS
    assert not [i for i in scan(moto, "User-guard") if i["id"]["S"].startswith("lock#")]


def test_two_runs_at_once_write_every_user_once(bins, moto, aws_env, legacy, tmp_path):
    provision(moto)
    cfg = config(tmp_path, moto)
    runs = [Migrate(bins, aws_env, legacy, cfg, tmp_path / f"state{i}") for i in (1, 2)]
    procs = [start([m.bin, "run", "--from-db", legacy["url"], "--from-dir", m.upload, "--to", cfg,
                    "--state", m.state], env=aws_env)
             for m in runs]
    outs = [p.communicate(timeout=300) for p in procs]
    codes = [p.returncode for p in procs]
    # one writes; the other is refused by the lock, or (started after the first ended) finds
    # every email taken under the first run's ids: never a second copy
    assert 0 in codes, (codes, outs)
    for code, (out, err) in zip(codes, outs):
        assert code == 0 or "Another cloudalbum-migrate run" in err or "left behind" in out, (out, err)
    users = scan(moto, "User")
    assert len(users) == USERS
    assert len(scan(moto, "Photo")) == USERS * PER_USER
