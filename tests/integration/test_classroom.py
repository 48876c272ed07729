"""cloudalbum-classroom against moto (issue 15): a prefix-mode class in one account and an
account-mode class over three accounts go up, are checked, damaged, repaired and torn down;
every claim about what exists or is left is checked with boto3, not with the tool."""
import json
import re

import pytest

import serve_helpers
from helpers import XrayDaemon, free_port, run
from serve_helpers import Serve
from stage_helpers import ROOT

CLASS = "dec-workshop"
REGION = "ap-southeast-1"
PREFIXES = ["ann", "ben", "cat", "dan", "eve"]


@pytest.fixture
def env(aws_env, moto, tmp_path):
    return dict(aws_env, MOTO_PORT=str(moto.port), CA_STATE_DIR=str(tmp_path / "state"))


def classroom(bins, env, roster, *args, check=None, timeout=240):
    p = run([bins / "cloudalbum-classroom", *args, "--roster", roster,
             "--configs", ROOT / "lab-configs" / "local", "--no-progress"],
            env=env, check=False, timeout=timeout)
    if check is not None and p.returncode != check:
        raise AssertionError(f"{args} exited {p.returncode}\n{p.stdout}\n{p.stderr}")
    return p


def write_roster(tmp_path, attendees):
    lines = [f"class: {CLASS}", f"region: {REGION}", "target: local", "attendees:"]
    for a in attendees:
        lines.append(f"  - name: {a['name']}")
        for k, v in a.items():
            if k != "name":
                lines.append(f"    {k}: {v}")
    p = tmp_path / "roster.yaml"
    p.write_text("\n".join(lines) + "\n")
    return p


def standin(ec2, initial):
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    r = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType="t2.micro",
                          TagSpecifications=[{"ResourceType": "instance", "Tags": [
                              {"Key": "Name", "Value": f"aws-cloud9-workshop-{initial}-env"}]}])
    return r["Instances"][0]["InstanceId"]


def tags_of(pairs):
    return {t["Key"]: t["Value"] for t in pairs}


def ours(attendee):
    return {"cloudalbum:class": CLASS, "cloudalbum:attendee": attendee}


def json_status(bins, env, roster, *args):
    p = classroom(bins, env, roster, "status", "--json", *args)
    doc = json.loads(p.stdout)
    return p.returncode, {a["name"]: a["stages"] for a in doc["attendees"]}


def everything(client):
    """Every resource of the kinds the stages make, listed with boto3."""
    c = client
    iam = c("iam")
    return {
        "tables": c("dynamodb").list_tables()["TableNames"],
        "buckets": [b["Name"] for b in c("s3").list_buckets()["Buckets"]],
        "pools": [p["Name"] for p in c("cognito-idp").list_user_pools(MaxResults=60)["UserPools"]],
        "policies": [p["PolicyName"] for p in iam.list_policies(Scope="Local")["Policies"]],
        "roles": [r["RoleName"] for r in iam.list_roles()["Roles"]],
        "profiles": [p["InstanceProfileName"]
                     for p in iam.list_instance_profiles()["InstanceProfiles"]],
    }


def associations(ec2):
    return [a for a in ec2.describe_iam_instance_profile_associations()[
        "IamInstanceProfileAssociations"] if a["State"] in ("associated", "associating")]


def test_prefix_class_with_failing_attendees(bins, env, moto, tmp_path):
    """A prefix class where not everyone can go up: eve has no Cloud9 instance (stage 0
    fails, later stages never run), cat's bucket name is taken by a bucket the class did
    not make (stage 2 refuses it and down keeps it), mal's role_arn is malformed (refused
    before any STS call); the others go up regardless, with prefixed names and the tags."""
    ec2, s3 = moto.client("ec2"), moto.client("s3")
    instances = {p: standin(ec2, p) for p in PREFIXES if p != "eve"}   # eve has no Cloud9
    # cat's bucket name is already taken by a bucket the class did not make
    taken = f"cat-{CLASS}-photos"
    s3.create_bucket(Bucket=taken, CreateBucketConfiguration={"LocationConstraint": REGION})
    roster = write_roster(tmp_path, [{"name": p, "prefix": p} for p in PREFIXES] +
                          [{"name": "mal", "role_arn": "arn:aws:iam::12345:role/Instructor"}])

    up = classroom(bins, env, roster, "up", "--stage", "4", "--jobs", "3", check=1)
    assert "ann stage 4 up: done" in up.stdout, up.stdout
    code, st = json_status(bins, env, roster)
    assert code == 1
    for p in ("ann", "ben", "dan"):
        assert [s["state"] for s in st[p]] == ["up to date"] * 5, st[p]
        assert all(s["error"] is None for s in st[p])
    assert st["eve"][0]["state"] == "error" and "no EC2 instance" in st["eve"][0]["error"]
    # stage 4 makes nothing the stand-in offers (its X-Ray rule and group), so only 1-3
    assert [s["state"] for s in st["eve"][1:4]] == ["missing"] * 3
    assert [s["state"] for s in st["cat"][:2]] == ["up to date"] * 2
    assert all("not an IAM role ARN" in s["error"] for s in st["mal"]), st["mal"]
    up_lines = [l for l in up.stdout.splitlines() if l.startswith("cat: stage 2 failed")]
    assert up_lines and "without this run's tags" in up_lines[0], up.stdout
    assert s3_tags(s3, taken) == {}     # left untouched

    # every name carries the prefix, every resource the tags; ann's serve config names them
    ddb, iam, cg = moto.client("dynamodb"), moto.client("iam"), moto.client("cognito-idp")
    for t in ("ann-User", "ann-Photo", "ann-User-guard"):
        arn = ddb.describe_table(TableName=t)["Table"]["TableArn"]
        assert tags_of(ddb.list_tags_of_resource(ResourceArn=arn)["Tags"]) == ours("ann")
    assert s3_tags(s3, f"ann-{CLASS}-photos") == ours("ann")
    assert tags_of(iam.list_role_tags(
        RoleName="ann-workshop-cloud9-instance-profile-role")["Tags"]) == ours("ann")
    assert tags_of(iam.get_instance_profile(
        InstanceProfileName="ann-workshop-cloud9-instance-profile")["InstanceProfile"]
        ["Tags"]) == ours("ann")
    pol = next(p["Arn"] for p in iam.list_policies(Scope="Local")["Policies"]
               if p["PolicyName"] == "ann-workshop-cloud9-policy")
    assert tags_of(iam.list_policy_tags(PolicyArn=pol)["Tags"]) == ours("ann")
    pool = next(p["Id"] for p in cg.list_user_pools(MaxResults=60)["UserPools"]
                if p["Name"] == "ann-cloudalbum-users")
    assert cg.describe_user_pool(UserPoolId=pool)["UserPool"]["UserPoolTags"] == ours("ann")
    assert {a["InstanceId"]: a["IamInstanceProfile"]["Arn"].rsplit("/", 1)[1]
            for a in associations(ec2)}[instances["ann"]] == "ann-workshop-cloud9-instance-profile"

    gen = tmp_path / "handout"
    sc = classroom(bins, env, roster, "serve-configs", "--generated-dir", gen, check=1)
    text = (gen / "ann" / "stage-4.yaml").read_text()
    for name in ("user_table: ann-User", "photo_table: ann-Photo",
                 f"bucket: ann-{CLASS}-photos", f"user_pool_id: {pool}"):
        assert name in text, (name, text)
    index = json.loads((gen / "index.json").read_text())
    by_name = {a["name"]: a for a in index["attendees"]}
    assert by_name["ann"]["config"] == "ann/stage-4.yaml" and by_name["eve"]["error"], sc.stdout
    assert (gen / "README.txt").read_text().count("stage-4.yaml") >= 4

    # (a table deleted and repaired: test_prefix_class_green_served_damaged_repaired_and_gone)
    v = classroom(bins, env, roster, "verify", "--stage", "1", check=1)
    assert "ann: ok" in v.stdout and "eve: FAILED: stage 0 error" in v.stdout, v.stdout
    mal = [line for line in v.stdout.splitlines() if line.startswith("mal: FAILED: ")]
    assert len(mal) == 1 and "not an IAM role ARN" in mal[0], v.stdout
    tap = (tmp_path / "state" / "classroom" / CLASS / "ann" / "verify.tap").read_text()
    assert "1.." in tap and "not ok" not in tap and "ann-User" in tap, tap

    # down: never without a confirmation, and never waiting for one without a terminal
    p = classroom(bins, env, roster, "down", check=1, timeout=30)
    assert "pass --yes" in p.stderr
    assert "ann-User" in ddb.list_tables()["TableNames"]

    p = classroom(bins, env, roster, "down", "--yes", check=1)
    # the bucket the class did not make is kept and named; everything else is gone
    assert f"kept s3 bucket {taken}" in p.stdout, p.stdout
    assert f"s3 bucket {taken} (found by name" in p.stdout, p.stdout
    assert s3_tags(s3, taken) == {}
    left = everything(moto.client)
    assert left["buckets"] == [taken], left
    assert all(not v for k, v in left.items() if k != "buckets"), left
    assert associations(ec2) == []
    running = ec2.describe_instances(InstanceIds=list(instances.values()))["Reservations"]
    assert len([i for r in running for i in r["Instances"]]) == 4   # instances stay


class Apps:
    """The attendees' apps: cloudalbum-serve on each one's generated serve config, at the
    port its roster url names; stopped (and checked for a clean exit) at close."""

    def __init__(self, bins, workdir):
        self.bins, self.dir, self.running = bins, workdir, {}

    def start(self, monkeypatch, name, config, port, env):
        monkeypatch.setattr(serve_helpers, "free_port", lambda: port)
        self.running[name] = Serve(self.bins / "cloudalbum-serve", config, self.dir, env=env)
        assert self.running[name].base == f"http://127.0.0.1:{port}"

    def stop(self, name):
        self.running.pop(name).stop()

    def close(self):
        for name in list(self.running):
            self.stop(name)


@pytest.fixture
def apps(bins, tmp_path):
    a = Apps(bins, tmp_path)
    try:
        yield a
    finally:
        a.close()


def all_green(st, attendees, stages=5):
    return all([s["state"] for s in st[a]] == ["up to date"] * stages and
               all(s["error"] is None for s in st[a]) for a in attendees)


def matrix_rows(text):
    """status's matrix: {attendee: [cell words]} from the rows after the header."""
    lines = text.splitlines()
    assert lines[0].split()[0] == "attendee", text
    rows = {}
    for line in lines[1:]:
        cells = re.split(r"\s{2,}", line.strip())
        if len(cells) == 6:
            rows[cells[0]] = cells[1:]
    return rows


def journey_tap(tmp_path, name):
    return (tmp_path / "state" / "classroom" / CLASS / name / "verify.tap").read_text()


JOURNEY_STEPS = ("sign in through the app", "upload a JPEG with GPS EXIF",
                 "see it on the map at Seoul, South Korea", "find the journey's trace in X-Ray",
                 "remove the test user and everything it made")


def assert_journey_passed(tap):
    assert "not ok" not in tap, tap
    for step in JOURNEY_STEPS:
        assert re.search(rf"^ok \d+ - {re.escape(step)}$", tap, re.M), (step, tap)


GREEN = ["ann", "ben", "cat", "dan", "eve"]


def test_prefix_class_green_served_damaged_repaired_and_gone(bins, env, moto, tmp_path, apps,
                                                           monkeypatch):
    """The issue's "Done when" for a 5-attendee prefix class: up --stage 4; status all
    green (matrix and --json, exit 0); each attendee's app served from the config
    serve-configs wrote, and verify runs the journey against every one (X-Ray trace
    included) and passes; an app that is down fails verify naming attendee and step; a
    table deleted by hand is named by status (exit 1) and put back by up; down --yes
    leaves nothing, as boto3 sees it."""
    ec2 = moto.client("ec2")
    instances = {p: standin(ec2, p) for p in GREEN}
    ports = {p: free_port() for p in GREEN}
    roster = write_roster(tmp_path, [{"name": p, "prefix": p,
                                      "url": f"http://127.0.0.1:{ports[p]}"} for p in GREEN])

    up = classroom(bins, env, roster, "up", "--stage", "4", "--jobs", "4", check=0)
    assert up.stdout.count("stage 4 up: done") == 5, up.stdout
    code, st = json_status(bins, env, roster)
    assert code == 0 and sorted(st) == GREEN and all_green(st, GREEN), st
    p = classroom(bins, env, roster, "status", check=0)
    assert matrix_rows(p.stdout) == {a: ["up to date"] * 5 for a in GREEN}, p.stdout

    gen = tmp_path / "handout"
    classroom(bins, env, roster, "serve-configs", "--generated-dir", gen, check=0)
    daemon = XrayDaemon(moto, env)
    try:
        for a in GREEN:
            cfg = gen / a / "stage-4.yaml"
            assert f"user_table: {a}-User" in cfg.read_text()
            apps.start(monkeypatch, a, cfg, ports[a],
                       dict(env, AWS_XRAY_DAEMON_ADDRESS=daemon.address))
        v = classroom(bins, env, roster, "verify", check=0, timeout=600)
        for a in GREEN:
            assert f"{a}: ok: the resources of stages 0-4 are in place, and the journey " \
                   "passed" in v.stdout, v.stdout
            tap = journey_tap(tmp_path, a)
            assert_journey_passed(tap)
            assert f"DynamoDB table {a}-User" in tap and f"S3 bucket {a}-{CLASS}-photos" in tap
        assert f"class {CLASS}: 5 of 5 attendee(s) verified at stage 4" in v.stdout
        # each journey ran against its own attendee's app: one sign-in in each access log
        for a in GREEN:
            assert apps.running[a].access_log().count("POST /api/session") == 1, a

        # one attendee's app goes down: verify names the attendee and the step
        apps.stop("dan")
        v = classroom(bins, env, roster, "verify", check=1, timeout=600)
        bad = [line for line in v.stdout.splitlines() if ": FAILED: " in line]
        assert len(bad) == 1 and bad[0].startswith(
            "dan: FAILED: the app answers (GET /healthz): "), v.stdout
        assert f"http://127.0.0.1:{ports['dan']}" in bad[0]
        assert "4 of 5 attendee(s) verified" in v.stdout
    finally:
        apps.close()
        daemon.stop()
    # the journeys left nothing in anyone's tables, bucket or pool
    ddb, s3, idp = moto.client("dynamodb"), moto.client("s3"), moto.client("cognito-idp")
    for a in GREEN:
        assert ddb.scan(TableName=f"{a}-User")["Items"] == []
        assert ddb.scan(TableName=f"{a}-Photo")["Items"] == []
        assert s3.list_objects_v2(Bucket=f"{a}-{CLASS}-photos").get("KeyCount", 0) == 0
    for pool in idp.list_user_pools(MaxResults=60)["UserPools"]:
        assert idp.list_users(UserPoolId=pool["Id"])["Users"] == []

    # a table deleted by hand: status names it and exits 1; up puts it back
    ddb.delete_table(TableName="ben-Photo")
    p = classroom(bins, env, roster, "status", check=1)
    rows = matrix_rows(p.stdout)
    assert rows["ben"][1] == "missing" and rows["ben"][0] == "up to date", p.stdout
    assert all(rows[a] == ["up to date"] * 5 for a in GREEN if a != "ben"), p.stdout
    assert "ben stage 1 missing: create dynamodb table ben-Photo" in p.stdout, p.stdout
    code, st = json_status(bins, env, roster)
    assert code == 1 and st["ben"][1] == {"stage": 1, "state": "missing", "error": None}
    assert all_green(st, [a for a in GREEN if a != "ben"])
    classroom(bins, env, roster, "up", "--stage", "4", check=0)
    assert "ben-Photo" in ddb.list_tables()["TableNames"]
    code, st = json_status(bins, env, roster)
    assert code == 0 and all_green(st, GREEN), st

    p = classroom(bins, env, roster, "down", "--yes", check=0)
    assert "account of the instructor (ap-southeast-1): nothing of class dec-workshop is " \
           "left" in p.stdout, p.stdout
    left = everything(moto.client)
    assert all(not v for v in left.values()), left
    assert associations(ec2) == []
    running = ec2.describe_instances(InstanceIds=list(instances.values()))["Reservations"]
    assert len([i for r in running for i in r["Instances"]]) == 5   # instances stay


def s3_tags(s3, bucket):
    try:
        return tags_of(s3.get_bucket_tagging(Bucket=bucket)["TagSet"])
    except s3.exceptions.ClientError as e:
        if "NoSuchTagSet" in str(e):
            return {}
        raise


ACCOUNTS = ["111111111111", "222222222222", "333333333333"]


def assumed(moto, account):
    sts = moto.client("sts")
    c = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/WorkshopInstructor",
                        RoleSessionName="test")["Credentials"]

    def client(service):
        return moto.client(service, aws_access_key_id=c["AccessKeyId"],
                           aws_secret_access_key=c["SecretAccessKey"],
                           aws_session_token=c["SessionToken"])
    client.creds = c
    return client


def test_account_class(bins, env, moto, tmp_path, apps, monkeypatch):
    """The "Done when" for a 3-account class: up --stage 4 lands in each attendee's
    account (assumed role) with the lab's names; status all green; each attendee's app
    served with its own account's credentials and X-Ray daemon, and verify's journey
    passes against each (its checks and test user in that account); a table deleted in
    one account is named by status and put back by up; down --yes leaves nothing in any
    account but the role it assumed, and the instances."""
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
        "Action": "sts:AssumeRole"}]})
    clients, instances, creds = {}, {}, {}
    for i, account in enumerate(ACCOUNTS):
        c = clients[account] = assumed(moto, account)
        creds[account] = c.creds
        c("iam").create_role(RoleName="WorkshopInstructor", AssumeRolePolicyDocument=trust)
        instances[account] = standin(c("ec2"), f"u{i}")
        assert c("sts").get_caller_identity()["Account"] == account
    ports = [free_port() for _ in ACCOUNTS]
    names = [f"u{i}" for i in range(len(ACCOUNTS))]
    roster = write_roster(tmp_path, [
        {"name": f"u{i}", "role_arn": f"arn:aws:iam::{a}:role/WorkshopInstructor",
         "url": f"http://127.0.0.1:{ports[i]}",
         **({"external_id": "class-secret-1"} if i == 0 else {})}
        for i, a in enumerate(ACCOUNTS)])

    classroom(bins, env, roster, "up", "--stage", "4", check=0)
    code, st = json_status(bins, env, roster)
    assert code == 0 and all_green(st, names), st
    p = classroom(bins, env, roster, "status", check=0)
    assert matrix_rows(p.stdout) == {a: ["up to date"] * 5 for a in names}, p.stdout
    for i, account in enumerate(ACCOUNTS):
        c = clients[account]
        res = everything(c)
        assert sorted(res["tables"]) == ["Photo", "User", "User-guard"], res      # the lab's names
        assert res["buckets"] == [f"cloudalbum-photos-{account}"], res
        assert res["pools"] == ["cloudalbum-users"], res
        arn = c("dynamodb").describe_table(TableName="User")["Table"]["TableArn"]
        assert tags_of(c("dynamodb").list_tags_of_resource(ResourceArn=arn)["Tags"]) == \
            ours(f"u{i}")
        assert len(associations(c("ec2"))) == 1
    assert everything(moto.client)["tables"] == []     # nothing in the instructor's account

    # each attendee's app, served as on their Cloud9 instance: their account's credentials
    gen = tmp_path / "handout"
    classroom(bins, env, roster, "serve-configs", "--generated-dir", gen, check=0)
    daemons = []
    try:
        for i, account in enumerate(ACCOUNTS):
            own = dict(env, AWS_ACCESS_KEY_ID=creds[account]["AccessKeyId"],
                       AWS_SECRET_ACCESS_KEY=creds[account]["SecretAccessKey"],
                       AWS_SESSION_TOKEN=creds[account]["SessionToken"])
            daemons.append(XrayDaemon(moto, own))
            cfg = gen / f"u{i}" / "stage-4.yaml"
            assert f"bucket: cloudalbum-photos-{account}" in cfg.read_text()
            apps.start(monkeypatch, f"u{i}", cfg, ports[i],
                       dict(own, AWS_XRAY_DAEMON_ADDRESS=daemons[-1].address))
        v = classroom(bins, env, roster, "verify", check=0, timeout=600)
        assert v.stdout.count(": ok: the resources of stages 0-4 are in place, and the "
                              "journey passed") == 3, v.stdout
    finally:
        apps.close()
        for d in daemons:
            d.stop()
    # the stage verification and the journey ran in each attendee's account
    for i, account in enumerate(ACCOUNTS):
        tap = journey_tap(tmp_path, f"u{i}")
        assert f"cloudalbum-photos-{account}" in tap, tap
        assert_journey_passed(tap)
        c = clients[account]
        assert c("dynamodb").scan(TableName="Photo")["Items"] == []
        pool = c("cognito-idp").list_user_pools(MaxResults=60)["UserPools"][0]["Id"]
        assert c("cognito-idp").list_users(UserPoolId=pool)["Users"] == []
        # the journey's trace went to this account's X-Ray, and only there
        assert c("xray").get_trace_summaries(
            StartTime=0, EndTime=2**31)["TraceSummaries"], account
    assert moto.client("xray").get_trace_summaries(
        StartTime=0, EndTime=2**31)["TraceSummaries"] == []

    # a table deleted by hand in u1's account: status names u1, up puts it back
    clients[ACCOUNTS[1]]("dynamodb").delete_table(TableName="User")
    p = classroom(bins, env, roster, "status", check=1)
    rows = matrix_rows(p.stdout)
    assert rows["u1"][1] == "missing" and rows["u0"] == rows["u2"] == ["up to date"] * 5, \
        p.stdout
    assert "u1 stage 1 missing: create dynamodb table User" in p.stdout, p.stdout
    classroom(bins, env, roster, "up", "--stage", "4", check=0)
    code, st = json_status(bins, env, roster)
    assert code == 0 and all_green(st, names), st
    assert "User" in clients[ACCOUNTS[1]]("dynamodb").list_tables()["TableNames"]

    p = classroom(bins, env, roster, "down", "--yes", check=0)
    assert p.stdout.count("nothing of class dec-workshop is left") == 3, p.stdout
    for account in ACCOUNTS:
        c = clients[account]
        res = everything(c)
        assert res["roles"] == ["WorkshopInstructor"], res     # the assumed role stays
        assert all(not v for k, v in res.items() if k != "roles"), res
        assert associations(c("ec2")) == []
        assert c("ec2").describe_instances(InstanceIds=[instances[account]])["Reservations"]


@pytest.mark.parametrize("text, says", [
    ("class: c\nregion: ap-southeast-1\n", "attendees"),
    ("class: c\nregion: ap-southeast-1\nattendees: []\n", "at least one"),
    ("class: c\nregion: ap-southeast-1\nattendees:\n  - name: a\n", "exactly one"),
    ("class: c\nregion: ap-southeast-1\nattendees:\n  - name: a\n    prefix: a\n"
     "    role_arn: arn:aws:iam::111111111111:role/x\n", "exactly one"),
    ("class: c\nregion: ap-southeast-1\nattendees:\n  - name: a\n    prefix: a\n"
     "  - name: a\n    prefix: b\n", "listed twice"),
    ("class: c\nregion: ap-southeast-1\nattendees:\n  - name: a\n    prefix: x\n"
     "  - name: b\n    prefix: x\n", "share the prefix"),
    ("class: c\nregion: ap-southeast-1\nattendees:\n  - name: a\n    prefx: a\n", "prefx"),
    ("class: Big Class\nregion: ap-southeast-1\nattendees:\n  - name: a\n    prefix: a\n",
     "class"),
    ("class: c\nregion: moon\nattendees:\n  - name: a\n    prefix: a\n", "region"),
    ("class: c\nregion: ap-southeast-1\nattendees:\n  - &x {name: a, prefix: a}\n  - *x\n",
     "alias"),
])
def test_malformed_roster_is_refused(bins, env, tmp_path, text, says):
    roster = tmp_path / "roster.yaml"
    roster.write_text(text)
    p = classroom(bins, env, roster, "status", check=1, timeout=30)
    assert p.stderr.startswith("cloudalbum-classroom: ") and "roster.yaml" in p.stderr
    assert says in p.stderr, p.stderr
    assert p.stdout == ""


def test_stage_tag_adopts_only_what_carries_the_tags(bins, env, moto, tmp_path):
    """The framework's --tag (what the classroom builds on): a table found by name that the
    run did not make and that lacks the tags is refused before apply changes anything (its
    drifted capacity stays, the other table is not made); tables it made are tagged once;
    --set gives them their names."""
    ddb = moto.client("dynamodb")
    ddb.create_table(TableName="zed-Photo",
                     ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
                     AttributeDefinitions=[{"AttributeName": "user_id", "AttributeType": "S"},
                                           {"AttributeName": "id", "AttributeType": "N"}],
                     KeySchema=[{"AttributeName": "user_id", "KeyType": "HASH"},
                                {"AttributeName": "id", "KeyType": "RANGE"}])
    args = [bins / "stage-1-dynamodb", "apply", "--config",
            ROOT / "lab-configs" / "local" / "stage-1.yaml", "--state-dir", tmp_path / "s",
            "--set", "database.user_table=zed-User", "--set", "database.photo_table=zed-Photo",
            "--tag", "cloudalbum:class=c1", "--tag", "cloudalbum:attendee=zed"]
    p = run(args, env=env, check=False)
    assert p.returncode == 1 and "zed-Photo already exists without this run's tags" in p.stderr
    t = ddb.describe_table(TableName="zed-Photo")["Table"]
    assert t["ProvisionedThroughput"]["ReadCapacityUnits"] == 5       # not converged
    assert ddb.list_tags_of_resource(ResourceArn=t["TableArn"])["Tags"] == []
    assert "zed-User" not in ddb.list_tables()["TableNames"]          # nothing made
    ddb.delete_table(TableName="zed-Photo")
    run(args, env=env)
    for name in ("zed-User", "zed-Photo"):
        arn = ddb.describe_table(TableName=name)["Table"]["TableArn"]
        assert tags_of(ddb.list_tags_of_resource(ResourceArn=arn)["Tags"]) == \
            {"cloudalbum:class": "c1", "cloudalbum:attendee": "zed"}
    run(args, env=env)      # a re-run adopts its own tables and does not tag them twice
    assert len(ddb.list_tags_of_resource(ResourceArn=arn)["Tags"]) == 2
