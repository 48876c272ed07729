"""cloudalbum-migrate --shard K/N: N runs migrate disjoint parts of the legacy users into
the same tables and bucket (real MariaDB, moto). Four shards run at once give the same
target as one whole run into a second copy; a shard killed midway and run again
completes; `--shard auto/N` takes its index from AWS Batch's or Kubernetes' variable;
sharded and whole runs never write at the same time; a bad --shard is refused.

The partition is CRC-32 of the decimal legacy user id, mod N (migrate/migrate_shard.h);
this file computes it with Python's zlib, independently of the C code."""
import os
import re
import time
import zlib

import pytest

from dirty_legacy import legacy_deployment, small_jpeg
from helpers import create_contract_tables, legacy_seed, run, start

USERS, PER_USER, SEED, N = 12, 4, 4242, 4
REGION = "ap-southeast-1"
INDEX_VARS = ("AWS_BATCH_JOB_ARRAY_INDEX", "JOB_COMPLETION_INDEX")


def shard_of(legacy_id, n):
    return zlib.crc32(str(legacy_id).encode()) % n


@pytest.fixture(scope="module")
def legacy(bins, tmp_path_factory):
    from helpers import fresh_mysql_database
    upload = tmp_path_factory.mktemp("legacy") / "upload"
    with fresh_mysql_database("ca_shard_") as (name, url):
        legacy_seed(bins, url, upload, USERS, PER_USER, SEED)
        yield dict(db=name, url=url, upload=upload)


def provision(moto, tag):
    """One target: tables <tag>User, <tag>Photo (+ guard) and bucket <tag>-bucket."""
    create_contract_tables(moto.client("dynamodb"), f"{tag}User", f"{tag}Photo")
    moto.client("s3").create_bucket(Bucket=f"{tag.lower()}-bucket",
                                    CreateBucketConfiguration={"LocationConstraint": REGION})


def config(tmp_path, moto, tag):
    p = tmp_path / f"{tag}.yaml"
    p.write_text(f"""stage: 2
server:
  session_secret: {'s' * 40}
database:
  kind: dynamodb
  user_table: {tag}User
  photo_table: {tag}Photo
storage:
  kind: s3
  bucket: {tag.lower()}-bucket
auth:
  kind: local
tracing:
  kind: none
aws:
  region: {REGION}
  endpoint: {moto.endpoint}
""")
    return p


class Target:
    def __init__(self, bins, env, moto, tmp_path, tag, legacy_url, upload):
        provision(moto, tag)
        self.bins, self.moto, self.tag = bins, moto, tag
        self.env = {k: v for k, v in env.items() if k not in INDEX_VARS}
        self.cfg = config(tmp_path, moto, tag)
        self.state = tmp_path / f"{tag}.state"
        self.url, self.upload = legacy_url, upload
        self.bucket = f"{tag.lower()}-bucket"

    def cmd(self, verb, *extra):
        return [str(self.bins / "cloudalbum-migrate"), verb, "--from-db", self.url, "--from-dir",
                str(self.upload), "--to", str(self.cfg), "--state", str(self.state), *extra]

    def __call__(self, verb, *extra, env=None, ok=True):
        p = run(self.cmd(verb, *extra), env=dict(self.env, **(env or {})), check=False, timeout=600)
        if ok:
            assert p.returncode == 0, f"{verb} {extra} exited {p.returncode}\n{p.stdout}\n{p.stderr}"
        return p

    def start(self, verb, *extra, env=None):
        return start(self.cmd(verb, *extra), env=dict(self.env, **(env or {})))

    def scan(self, table):
        ddb = self.moto.client("dynamodb")
        items, kw = [], {}
        while True:
            page = ddb.scan(TableName=f"{self.tag}{table}", ConsistentRead=True, **kw)
            items += page["Items"]
            if "LastEvaluatedKey" not in page:
                return items
            kw["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def snapshot(self):
        """The target with user ids (random per run) replaced by the users' emails: users,
        guards, photo items, and every object's bytes and Content-Type."""
        users = [i for i in self.scan("User")]
        email_of = {u["id"]["S"]: u["email"]["S"] for u in users}
        assert len(email_of) == len(users)
        out_users = sorted((u["email"]["S"], u["username"]["S"], u["password"]["S"]) for u in users)
        guards = sorted((g["id"]["S"], email_of[g["user_id"]["S"]]) for g in self.scan("User-guard")
                        if g["id"]["S"].startswith("email#"))
        photos = {}
        for item in self.scan("Photo"):
            key = (email_of[item["user_id"]["S"]], item["id"]["N"])
            assert key not in photos
            photos[key] = {k: v for k, v in item.items() if k != "user_id"}
        s3 = self.moto.client("s3")
        objects, kw = {}, {}
        while True:
            page = s3.list_objects_v2(Bucket=self.bucket, **kw)
            for o in page.get("Contents", []):
                got = s3.get_object(Bucket=self.bucket, Key=o["Key"])
                objects[o["Key"]] = (got["ContentType"], got["Body"].read())
            if not page.get("IsTruncated"):
                break
            kw["ContinuationToken"] = page["NextContinuationToken"]
        return dict(users=out_users, guards=guards, photos=photos, objects=objects)


@pytest.fixture
def targets(bins, moto, aws_env, legacy, tmp_path):
    def make(tag):
        return Target(bins, aws_env, moto, tmp_path, tag, legacy["url"], legacy["upload"])
    return make


def legacy_ids(url_db, sql):
    from helpers import mysql_query
    return [r["id"] for r in mysql_query(url_db, sql)]


def state_ids(path):
    return [int(x) for x in re.findall(r"^user (\d+) \S+$", path.read_text(), re.M)]


def test_four_shards_at_once_equal_one_whole_run(targets, legacy):
    sharded, whole = targets("Sh"), targets("Wh")
    procs = [sharded.start("run", "--shard", f"{k}/{N}", "--jobs", "2") for k in range(N)]
    outs = [p.communicate(timeout=600) for p in procs]
    for k, (p, (out, err)) in enumerate(zip(procs, outs)):
        assert p.returncode == 0, f"shard {k}: {out}\n{err}"
    # the whole run reads the photo rows 5 at a time (whole users each): chunks cross users
    whole("run", env={"CA_MIGRATE_CHUNK_ROWS": "5"})

    users = legacy_ids(legacy["db"], "SELECT id FROM `User` ORDER BY id")
    assert len(users) == USERS
    for k in range(N):
        mine = [u for u in users if shard_of(u, N) == k]
        assert mine, f"shard {k} of the seed has no user: pick another seed"
        # each shard remembers its own users, in its own state file
        assert state_ids(sharded.state.with_name(f"{sharded.state.name}.{k}of{N}")) == mine
        assert f"users: {len(mine)} legacy, {len(mine)} migrated" in outs[k][0]
    assert not sharded.state.exists()
    assert state_ids(whole.state) == users

    a, b = sharded.snapshot(), whole.snapshot()
    assert len(a["users"]) == USERS and len(a["photos"]) >= USERS * PER_USER - 1
    assert a["objects"]
    assert a == b
    # a user's photos come from one shard only: a shard's verify sees its part ...
    for k in range(N):
        p = sharded("verify", "--shard", f"{k}/{N}")
        assert "verify: OK, nothing lost" in p.stdout
    # ... and a final verify (no --shard, no state file) sees everything
    p = sharded("verify")
    assert f"verify: {USERS} users" in p.stdout and "verify: OK, nothing lost" in p.stdout
    # a second round changes nothing
    for k in range(N):
        assert "nothing to do" in sharded("run", "--shard", f"{k}/{N}").stdout


def test_a_killed_shard_resumes_and_verifies(targets, legacy):
    t = targets("Kl")
    users = legacy_ids(legacy["db"], "SELECT id FROM `User` ORDER BY id")
    biggest = max(range(N), key=lambda k: sum(shard_of(u, N) == k for u in users))
    others = [t.start("run", "--shard", f"{k}/{N}") for k in range(N) if k != biggest]
    victim = t("run", "--shard", f"{biggest}/{N}", env={"CA_MIGRATE_CRASH_AFTER": "objects:3"},
               ok=False)
    assert victim.returncode == -9, (victim.returncode, victim.stdout, victim.stderr)
    for p in others:
        out, err = p.communicate(timeout=600)
        assert p.returncode == 0, out + err
    state = t.state.with_name(f"{t.state.name}.{biggest}of{N}")
    ids = state.read_text()
    # the whole verify sees what the killed shard did not do
    p = t("verify", ok=False)
    assert p.returncode == 1 and "DIFFERS" in p.stdout
    # its own lock names a process of this host that is gone: taken over at once
    p = t("run", "--shard", f"{biggest}/{N}")
    assert "took over the target lock" in p.stderr
    assert state.read_text() == ids
    p = t("verify")
    assert "verify: OK, nothing lost" in p.stdout
    locks = {i["id"]["S"]: i for i in t.scan("User-guard") if i["id"]["S"].startswith("lock#")}
    # each shard's own lock is released; the shared marker outlives the runs by one lease
    assert list(locks) == ["lock#migrate"]
    assert locks["lock#migrate"]["mode"]["S"] == "shards"
    assert locks["lock#migrate"]["shards"]["N"] == str(N)


@pytest.mark.parametrize("var", INDEX_VARS)
def test_shard_auto_takes_the_index_from_the_batch_system(targets, legacy, var):
    t = targets("Au")
    users = legacy_ids(legacy["db"], "SELECT id FROM `User` ORDER BY id")
    for k in range(N):
        p = t("plan", "--shard", f"auto/{N}", env={var: str(k)})
        mine = sum(shard_of(u, N) == k for u in users)
        assert f"users: {mine} legacy" in p.stdout, p.stdout
    p = t("run", "--shard", f"auto/{N}", env={var: "2"})
    assert t.state.with_name(f"{t.state.name}.2of{N}").exists()
    assert state_ids(t.state.with_name(f"{t.state.name}.2of{N}")) == \
        [u for u in users if shard_of(u, N) == 2]
    t("verify", "--shard", f"auto/{N}", env={var: "2"})
    # out of range, or not a number: refused before anything is read
    for bad in (str(N), "-1", "x", ""):
        p = t("run", "--shard", f"auto/{N}", env={var: bad}, ok=False)
        assert p.returncode == 2 and var in p.stderr and "--shard" in p.stderr, p.stderr


def test_shard_auto_without_either_variable_is_refused(targets):
    t = targets("Nv")
    p = t("run", "--shard", "auto/4", ok=False)
    assert p.returncode == 2
    assert "AWS_BATCH_JOB_ARRAY_INDEX" in p.stderr and "JOB_COMPLETION_INDEX" in p.stderr
    assert t.scan("User") == []


@pytest.mark.parametrize("arg", ["4/4", "-1/2", "a/b", "1/0", "auto/0", "1/", "/2", "1/2/3",
                                 " 1/2", "0x1/2", ""])
def test_bad_shard_is_refused_with_exit_2(bins, arg):
    p = run([bins / "cloudalbum-migrate", "run", "--from-db", "mysql://r@h/d",
             "--from-dir", "/nonexistent", "--to", "/nonexistent.yaml", "--shard", arg],
            check=False, timeout=30)
    assert p.returncode == 2, p.stderr
    assert "cloudalbum-migrate: --shard" in p.stderr


def lock_item(id="lock#migrate", expires=None, host="other-host.example", pid=4242, shards=None):
    item = {"id": {"S": id}, "token": {"S": "f" * 32}, "host": {"S": host},
            "pid": {"N": str(pid)}, "started": {"S": "2026-01-01T00:00:00.000000+0000"},
            "expires": {"N": str(int(expires or time.time() + 600))}}
    if shards:
        item.update(mode={"S": "shards"}, shards={"N": str(shards)})
    return item


def dead_pid():
    p = start(["true"], stdout=None, stderr=None)
    p.wait(timeout=30)
    return p.pid


def test_whole_and_sharded_runs_never_write_at_once(targets):
    t = targets("Lk")
    ddb = t.moto.client("dynamodb")
    put = lambda item: ddb.put_item(TableName="LkUser-guard", Item=item)  # noqa: E731
    # a whole run is writing: no shard may start
    put(lock_item())
    p = t("run", "--shard", "0/2", ok=False)
    assert p.returncode == 1 and "Another cloudalbum-migrate run" in p.stderr
    assert "wrote nothing" in p.stderr
    # the refused shard left its own lock behind it: none
    assert [i["id"]["S"] for i in t.scan("User-guard")] == ["lock#migrate"]
    # shards of 2 are writing (the marker), and the one that put it is a process of this
    # host that is gone: still no whole run (other shards may live), nor shards of 3
    put(lock_item(host=os.uname().nodename, pid=dead_pid(), shards=2))
    p = t("run", ok=False)
    assert p.returncode == 1 and "Runs with --shard K/2" in p.stderr and "wrote nothing" in p.stderr
    p = t("run", "--shard", "1/3", ok=False)
    assert p.returncode == 1 and "Runs with --shard K/2" in p.stderr and "--shard K/2" in p.stderr
    assert t.scan("User") == [] and t.scan("Photo") == []
    # another shard of 2 joins them
    p = t("run", "--shard", "1/2")
    assert t.scan("User")
    # a second run of the same shard at once is refused by the shard's own lock
    put(lock_item(id="lock#migrate#0of2"))
    p = t("run", "--shard", "0/2", ok=False)
    assert p.returncode == 1 and "lock#migrate#0of2" in p.stderr
    # plan and verify take no lock
    t("plan", "--shard", "0/2")
    t("plan")
    # once the marker's lease has run out, a whole run goes; the ids shard 1 gave are in
    # its own state file, not the whole run's: --adopt takes them over from the target
    put(lock_item(expires=time.time() - 5, shards=2))
    ddb.delete_item(TableName="LkUser-guard", Key={"id": {"S": "lock#migrate#0of2"}})
    p = t("run", ok=False)
    assert p.returncode == 1 and "the email is already in the target" in p.stdout
    t("run", "--adopt")
    assert "nothing to do" in t("run").stdout
    assert not [i for i in t.scan("User-guard") if i["id"]["S"].startswith("lock#")]
    t("verify")


def test_emails_equal_but_for_case_across_shards(bins, moto, aws_env, tmp_path):
    """Two users whose emails differ only in case, in different shards: the later one is
    left behind by its own shard, as a whole run leaves it behind."""
    early, late = 1, next(i for i in range(2, 100) if shard_of(i, 2) != shard_of(1, 2))
    with legacy_deployment(tmp_path) as lg:
        lg.sql("ALTER TABLE `User` MODIFY email VARCHAR(50) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
        lg.user("Ann@Example.com", id=early)
        lg.user("ann@example.com", id=late)
        for uid, email in ((early, "Ann@Example.com"), (late, "ann@example.com")):
            lg.photo(uid, f"p{uid}.jpg", upload_date="2020-01-01 00:00:00")
            lg.files(email, f"p{uid}.jpg", data=small_jpeg())
        t = Target(bins, aws_env, moto, tmp_path, "Cs", lg.url, lg.upload)
        a = t("run", "--shard", f"{shard_of(late, 2)}/2", ok=False)
        b = t("run", "--shard", f"{shard_of(early, 2)}/2")
        assert a.returncode == 1
        assert (f"user {late} (ann@example.com): the same email as user {early} (Ann@Example.com) "
                "but for case") in a.stdout
        assert [u["email"]["S"] for u in t.scan("User")] == ["Ann@Example.com"]
        assert "but for case" not in b.stdout


@pytest.mark.parametrize("rows", ["1", "3", "7"])
def test_rows_read_a_chunk_at_a_time_change_nothing(targets, rows):
    """plan, run and verify read the Photo table a chunk of whole users at a time; the
    chunk size (a test hook) changes neither the report nor the target."""
    t = targets(f"Ch{rows}")
    small = {"CA_MIGRATE_CHUNK_ROWS": rows}
    assert t("plan", env=small).stdout == t("plan").stdout
    p = t("run", env=small)
    assert f"photos: {USERS * PER_USER} legacy rows" in p.stdout
    assert "verify: OK, nothing lost" in t("verify", env=small).stdout
    assert "nothing to do" in t("run").stdout
