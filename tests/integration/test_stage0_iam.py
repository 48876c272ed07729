"""stage-0-iam against moto, checked with boto3."""
import json

import pytest

from stage_helpers import ROOT, config, make_standin, one_error_line, stage, stage_env, state

N = 0
POLICY = "workshop-cloud9-policy"
ROLE = "workshop-cloud9-instance-profile-role"
PROFILE = "workshop-cloud9-instance-profile"


@pytest.fixture
def env(aws_env, moto, tmp_path):
    return stage_env(aws_env, moto, tmp_path)


def policy_arn(iam):
    return next(p["Arn"] for p in iam.list_policies(Scope="Local")["Policies"]
                if p["PolicyName"] == POLICY)


def default_doc(iam):
    arn = policy_arn(iam)
    v = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
    return iam.get_policy_version(PolicyArn=arn, VersionId=v)["PolicyVersion"]["Document"]


def association(ec2, instance):
    a = ec2.describe_iam_instance_profile_associations(
        Filters=[{"Name": "instance-id", "Values": [instance]}])["IamInstanceProfileAssociations"]
    return [x for x in a if x["State"] in ("associated", "associating")]


def counts(moto):
    iam = moto.client("iam")
    return (len(iam.list_policies(Scope="Local")["Policies"]), len(iam.list_roles()["Roles"]),
            len(iam.list_instance_profiles()["InstanceProfiles"]))


def test_apply_creates_and_associates(bins, moto, env, tmp_path):
    instance = make_standin(moto)
    other = make_standin(moto, "someone-else")
    cfg = config(tmp_path)
    assert stage(bins, N, "plan", cfg, env).returncode == 2
    stage(bins, N, "apply", cfg, env)
    iam, ec2 = moto.client("iam"), moto.client("ec2")
    want = json.loads((ROOT / "infra/iam/workshop-cloud9-policy.json").read_text())
    assert default_doc(iam) == want
    role = iam.get_role(RoleName=ROLE)["Role"]
    trust = role["AssumeRolePolicyDocument"]
    assert trust["Statement"][0]["Principal"] == {"Service": "ec2.amazonaws.com"}
    attached = iam.list_attached_role_policies(RoleName=ROLE)["AttachedPolicies"]
    assert [a["PolicyName"] for a in attached] == [POLICY]
    prof = iam.get_instance_profile(InstanceProfileName=PROFILE)["InstanceProfile"]
    assert [r["RoleName"] for r in prof["Roles"]] == [ROLE]
    [a] = association(ec2, instance)
    assert a["IamInstanceProfile"]["Arn"] == prof["Arn"]
    assert association(ec2, other) == []
    out = json.loads(stage(bins, N, "outputs", cfg, env, "--json").stdout)
    assert out["instance_profile_arn"] == prof["Arn"] and out["instance_ids"] == instance


def test_second_apply_changes_nothing(bins, moto, env, tmp_path):
    make_standin(moto)
    cfg = config(tmp_path)
    stage(bins, N, "apply", cfg, env)
    before = counts(moto)
    assert "0 change(s)" in stage(bins, N, "apply", cfg, env).stdout
    assert stage(bins, N, "plan", cfg, env).returncode == 0
    assert counts(moto) == before == (1, 1, 1)


def test_replaces_a_different_association(bins, moto, env, tmp_path):
    instance = make_standin(moto)
    iam, ec2 = moto.client("iam"), moto.client("ec2")
    iam.create_instance_profile(InstanceProfileName="other-profile")
    ec2.associate_iam_instance_profile(IamInstanceProfile={"Name": "other-profile"},
                                       InstanceId=instance)
    cfg = config(tmp_path)
    p = stage(bins, N, "plan", cfg, env)
    assert p.returncode == 2 and "replace" in p.stdout and "other-profile" in p.stdout
    stage(bins, N, "apply", cfg, env)
    [a] = association(ec2, instance)
    assert a["IamInstanceProfile"]["Arn"].endswith("/" + PROFILE)


def test_policy_drift_makes_a_new_version_and_prunes(bins, moto, env, tmp_path):
    make_standin(moto)
    cfg = config(tmp_path)
    stage(bins, N, "apply", cfg, env)
    iam = moto.client("iam")
    arn = policy_arn(iam)
    narrow = {"Version": "2012-10-17",
              "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
    for _ in range(4):      # five versions in all, the drifted one the default
        iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(narrow),
                                  SetAsDefault=True)
    p = stage(bins, N, "plan", cfg, env)
    assert p.returncode == 2 and "iam policy" in p.stdout and "differs" in p.stdout
    stage(bins, N, "apply", cfg, env)
    want = json.loads((ROOT / "infra/iam/workshop-cloud9-policy.json").read_text())
    assert default_doc(iam) == want
    assert len(iam.list_policy_versions(PolicyArn=arn)["Versions"]) == 5
    assert stage(bins, N, "plan", cfg, env).returncode == 0


def test_trust_drift_is_put_back(bins, moto, env, tmp_path):
    make_standin(moto)
    cfg = config(tmp_path)
    stage(bins, N, "apply", cfg, env)
    iam = moto.client("iam")
    bad = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                   "Principal": {"Service": "lambda.amazonaws.com"}}]}
    iam.update_assume_role_policy(RoleName=ROLE, PolicyDocument=json.dumps(bad))
    p = stage(bins, N, "plan", cfg, env)
    assert p.returncode == 2 and "trust policy" in p.stdout
    stage(bins, N, "apply", cfg, env)
    trust = iam.get_role(RoleName=ROLE)["Role"]["AssumeRolePolicyDocument"]
    assert trust["Statement"][0]["Principal"] == {"Service": "ec2.amazonaws.com"}


def test_least_privilege_policy_is_filled_in(bins, moto, env, tmp_path):
    make_standin(moto)
    cfg = config(tmp_path, stage=2,
                 edit=lambda t: t.replace("policy: workshop ", "policy: least-privilege "))
    stage(bins, N, "apply", cfg, env)
    doc = json.dumps(default_doc(moto.client("iam")))
    assert "${" not in doc
    assert "arn:aws:dynamodb:ap-southeast-1:123456789012:table/User" in doc
    # the email guard table the app's sign-up writes (db/dynamodb.h)
    assert "arn:aws:dynamodb:ap-southeast-1:123456789012:table/User-guard" in doc
    assert "arn:aws:s3:::cloudalbum-local-photos/photos/*" in doc
    # what cloudalbum-serve calls with its own credentials: profiles, and a migrated
    # user's legacy password made their pool password at the first sign-in
    pool = [s for s in json.loads(doc)["Statement"] if s.get("Sid") == "UserPool"]
    assert len(pool) == 1 and pool[0]["Effect"] == "Allow"
    assert {"cognito-idp:AdminGetUser", "cognito-idp:AdminSetUserPassword"} <= set(pool[0]["Action"])


def test_initial_from_the_command_line(bins, moto, env, tmp_path):
    mine = make_standin(moto, "aws-cloud9-workshop-JD-env1")
    theirs = make_standin(moto, "aws-cloud9-workshop-local-standin")
    stage(bins, N, "apply", config(tmp_path), env, "--initial", "JD")
    ec2 = moto.client("ec2")
    assert len(association(ec2, mine)) == 1 and association(ec2, theirs) == []


def test_no_instance_is_a_clear_error(bins, moto, env, tmp_path):
    line = one_error_line(stage(bins, N, "plan", config(tmp_path), env, check=False))
    assert "aws-cloud9-workshop-local*" in line
    line = one_error_line(stage(bins, N, "plan", config(tmp_path), env, "--initial", "a*b",
                                check=False))
    assert "initial" in line


def test_destroy_leaves_nothing(bins, moto, env, tmp_path):
    instance = make_standin(moto)
    cfg = config(tmp_path)
    stage(bins, N, "apply", cfg, env)
    stage(bins, N, "destroy", cfg, env)
    assert counts(moto) == (0, 0, 0)
    assert association(moto.client("ec2"), instance) == []
    assert "0" not in state(tmp_path)["stages"]
    assert "absent" in stage(bins, N, "destroy", cfg, env).stdout


def test_failure_in_the_middle_then_rerun_completes(bins, moto, env, tmp_path):
    make_standin(moto)
    cfg = config(tmp_path)
    p = stage(bins, N, "apply", cfg, dict(env, CA_STAGE_FAIL_AFTER="2"), check=False)
    assert p.returncode == 1 and "injected failure" in p.stderr
    assert [r["kind"] for r in state(tmp_path)["stages"]["0"]["resources"]] == \
        ["iam policy", "iam role"]
    stage(bins, N, "apply", cfg, env)
    assert counts(moto) == (1, 1, 1)
    assert stage(bins, N, "plan", cfg, env).returncode == 0
