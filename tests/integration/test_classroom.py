"""cloudalbum-classroom against moto (issue 15): a prefix-mode class in one account and an
account-mode class over three accounts go up, are checked, damaged, repaired and torn down;
every claim about what exists or is left is checked with boto3, not with the tool."""
import json

import pytest

from helpers import run
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


def test_prefix_class(bins, env, moto, tmp_path):
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

    # a table deleted by hand: status names it, up repairs it (stages 0-1 only, for speed)
    ddb.delete_table(TableName="ben-User")
    p = classroom(bins, env, roster, "status", "--stage", "1", check=1)
    assert any(l.startswith("ben ") and "missing" in l for l in p.stdout.splitlines()), p.stdout
    assert "ben stage 1 missing: create dynamodb table ben-User" in p.stdout, p.stdout
    assert json_status(bins, env, roster, "--stage", "1")[1]["ben"][1]["state"] == "missing"
    classroom(bins, env, roster, "up", "--stage", "1", check=1)
    assert [s["state"] for s in json_status(bins, env, roster, "--stage", "1")[1]["ben"]] == \
        ["up to date"] * 2
    assert "ben-User" in ddb.list_tables()["TableNames"]
    v = classroom(bins, env, roster, "verify", "--stage", "1", check=1)
    assert "ann: ok" in v.stdout and "eve: FAILED: stage 0 error" in v.stdout, v.stdout
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
    return client


def test_account_class(bins, env, moto, tmp_path):
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
        "Action": "sts:AssumeRole"}]})
    clients, instances = {}, {}
    for i, account in enumerate(ACCOUNTS):
        c = clients[account] = assumed(moto, account)
        c("iam").create_role(RoleName="WorkshopInstructor", AssumeRolePolicyDocument=trust)
        instances[account] = standin(c("ec2"), f"u{i}")
        assert c("sts").get_caller_identity()["Account"] == account
    roster = write_roster(tmp_path, [
        {"name": f"u{i}", "role_arn": f"arn:aws:iam::{a}:role/WorkshopInstructor",
         **({"external_id": "class-secret-1"} if i == 0 else {})}
        for i, a in enumerate(ACCOUNTS)])

    classroom(bins, env, roster, "up", "--stage", "4", check=0)
    code, st = json_status(bins, env, roster)
    assert code == 0 and all(s["state"] == "up to date" for a in st.values() for s in a), st
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

    v = classroom(bins, env, roster, "verify", "--stage", "2", check=0)
    assert v.stdout.count(": ok: the resources of stages 0-2 are in place") == 3, v.stdout
    # the stage verification ran in each attendee's account, with the assumed role
    for i, account in enumerate(ACCOUNTS):
        tap = (tmp_path / "state" / "classroom" / CLASS / f"u{i}" / "verify.tap").read_text()
        assert f"cloudalbum-photos-{account}" in tap and "not ok" not in tap, tap
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
