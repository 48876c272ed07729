"""stage-1-dynamodb against moto, checked with boto3."""
import json

import pytest

from helpers import free_port
from stage_helpers import config, one_error_line, stage, stage_env, state
from wire_recorder import WireRecorder

N = 1


@pytest.fixture
def env(aws_env, moto, tmp_path):
    return stage_env(aws_env, moto, tmp_path)


def keys(desc):
    return {k["KeyType"]: k["AttributeName"] for k in desc["KeySchema"]}


def types(desc):
    return {a["AttributeName"]: a["AttributeType"] for a in desc["AttributeDefinitions"]}


def test_apply_creates_the_contract_tables(bins, moto, env, tmp_path):
    cfg = config(tmp_path)
    p = stage(bins, N, "plan", cfg, env)
    assert p.returncode == 2 and "create" in p.stdout and "User" in p.stdout
    assert moto.client("dynamodb").list_tables()["TableNames"] == []   # plan changed nothing

    stage(bins, N, "apply", cfg, env)
    ddb = moto.client("dynamodb")
    user = ddb.describe_table(TableName="User")["Table"]
    assert keys(user) == {"HASH": "id"} and types(user)["id"] == "S"
    assert user["TableStatus"] == "ACTIVE"
    assert user["ProvisionedThroughput"]["ReadCapacityUnits"] == 10
    assert user["ProvisionedThroughput"]["WriteCapacityUnits"] == 10
    [gsi] = user["GlobalSecondaryIndexes"]
    assert gsi["IndexName"] == "user-email-index"
    assert keys(gsi) == {"HASH": "email"} and types(user)["email"] == "S"
    assert gsi["Projection"]["ProjectionType"] == "INCLUDE"
    assert gsi["Projection"]["NonKeyAttributes"] == ["password"]
    assert gsi["ProvisionedThroughput"]["ReadCapacityUnits"] == 10
    assert gsi["ProvisionedThroughput"]["WriteCapacityUnits"] == 10
    photo = ddb.describe_table(TableName="Photo")["Table"]
    assert keys(photo) == {"HASH": "user_id", "RANGE": "id"}
    assert types(photo) == {"user_id": "S", "id": "N"}
    assert photo["ProvisionedThroughput"]["ReadCapacityUnits"] == 10
    # the email guards live in a table of their own, out of the seed's User.scan()
    guard = ddb.describe_table(TableName="User-guard")["Table"]
    assert keys(guard) == {"HASH": "id"} and types(guard) == {"id": "S"}

    st = state(tmp_path)
    recorded = {(r["kind"], r["name"]) for r in st["stages"]["1"]["resources"]}
    assert recorded == {("dynamodb table", "User"), ("dynamodb table", "Photo"),
                        ("dynamodb table", "User-guard")}
    out = json.loads(stage(bins, N, "outputs", cfg, env, "--json").stdout)
    assert out["user_table"] == "User" and out["photo_table"] == "Photo"
    assert out["user_table_arn"] == user["TableArn"]
    assert out["guard_table"] == "User-guard" and out["guard_table_arn"] == guard["TableArn"]


def test_second_apply_changes_nothing(bins, moto, env, tmp_path):
    cfg = config(tmp_path)
    stage(bins, N, "apply", cfg, env)
    before = moto.client("dynamodb").list_tables()["TableNames"]
    p = stage(bins, N, "apply", cfg, env)
    assert "0 change(s)" in p.stdout
    assert stage(bins, N, "plan", cfg, env).returncode == 0
    assert sorted(moto.client("dynamodb").list_tables()["TableNames"]) == sorted(before) == ["Photo", "User", "User-guard"]


def test_found_by_name_when_the_state_is_lost(bins, moto, env, tmp_path):
    cfg = config(tmp_path)
    stage(bins, N, "apply", cfg, env)
    (tmp_path / "state" / "local" / "state.json").unlink()
    assert stage(bins, N, "plan", cfg, env).returncode == 0
    stage(bins, N, "apply", cfg, env)
    assert len(moto.client("dynamodb").list_tables()["TableNames"]) == 3
    assert len(state(tmp_path)["stages"]["1"]["resources"]) == 3


def test_capacity_drift_is_named_and_put_back(bins, moto, env, tmp_path):
    cfg = config(tmp_path)
    stage(bins, N, "apply", cfg, env)
    ddb = moto.client("dynamodb")
    ddb.update_table(TableName="User",
                     ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 10})
    ddb.update_table(TableName="Photo", BillingMode="PAY_PER_REQUEST")
    p = stage(bins, N, "plan", cfg, env)
    assert p.returncode == 2
    assert "read capacity 5 -> 10" in p.stdout
    assert "billing mode on-demand -> provisioned" in p.stdout
    stage(bins, N, "apply", cfg, env)
    user = ddb.describe_table(TableName="User")["Table"]
    assert user["ProvisionedThroughput"]["ReadCapacityUnits"] == 10
    photo = ddb.describe_table(TableName="Photo")["Table"]
    assert photo.get("BillingModeSummary", {}).get("BillingMode", "PROVISIONED") == "PROVISIONED"
    assert photo["ProvisionedThroughput"]["WriteCapacityUnits"] == 10
    assert stage(bins, N, "plan", cfg, env).returncode == 0


def _repair_through_recorder(bins, moto, env, cfg):
    """stage-1 apply with its AWS traffic through a recorder: the UpdateTable bodies sent."""
    with WireRecorder(moto.endpoint) as wire:
        stage(bins, N, "apply", cfg, dict(env, AWS_ENDPOINT_URL=wire.endpoint,
                                          MOTO_PORT=str(wire.port)))
        return wire.operation("UpdateTable")


def test_index_only_drift_sends_only_the_index_update(bins, moto, env, tmp_path):
    # Real DynamoDB refuses an UpdateTable whose ProvisionedThroughput equals the table's
    # ("The provisioned throughput for the table will not change"), and moto does not.
    cfg = config(tmp_path)
    stage(bins, N, "apply", cfg, env)
    ddb = moto.client("dynamodb")
    ddb.update_table(TableName="User", GlobalSecondaryIndexUpdates=[{"Update": {
        "IndexName": "user-email-index",
        "ProvisionedThroughput": {"ReadCapacityUnits": 3, "WriteCapacityUnits": 10}}}])
    [req] = _repair_through_recorder(bins, moto, env, cfg)
    assert req["TableName"] == "User"
    assert "ProvisionedThroughput" not in req and "BillingMode" not in req
    assert req["GlobalSecondaryIndexUpdates"] == [{"Update": {
        "IndexName": "user-email-index",
        "ProvisionedThroughput": {"ReadCapacityUnits": 10, "WriteCapacityUnits": 10}}}]
    [gsi] = ddb.describe_table(TableName="User")["Table"]["GlobalSecondaryIndexes"]
    assert gsi["ProvisionedThroughput"]["ReadCapacityUnits"] == 10
    assert stage(bins, N, "plan", cfg, env).returncode == 0


def test_table_only_drift_sends_only_the_table_throughput(bins, moto, env, tmp_path):
    cfg = config(tmp_path)
    stage(bins, N, "apply", cfg, env)
    ddb = moto.client("dynamodb")
    ddb.update_table(TableName="User",
                     ProvisionedThroughput={"ReadCapacityUnits": 10, "WriteCapacityUnits": 4})
    [req] = _repair_through_recorder(bins, moto, env, cfg)
    assert req == {"TableName": "User",
                   "ProvisionedThroughput": {"ReadCapacityUnits": 10, "WriteCapacityUnits": 10}}
    assert stage(bins, N, "plan", cfg, env).returncode == 0


def test_back_to_provisioned_carries_every_capacity(bins, moto, env, tmp_path):
    cfg = config(tmp_path)
    stage(bins, N, "apply", cfg, env)
    moto.client("dynamodb").update_table(TableName="User", BillingMode="PAY_PER_REQUEST")
    [req] = _repair_through_recorder(bins, moto, env, cfg)
    assert req["BillingMode"] == "PROVISIONED"
    assert req["ProvisionedThroughput"] == {"ReadCapacityUnits": 10, "WriteCapacityUnits": 10}
    assert [u["Update"]["IndexName"] for u in req["GlobalSecondaryIndexUpdates"]] == [
        "user-email-index"]


def test_on_demand_billing(bins, moto, env, tmp_path):
    cfg = config(tmp_path, edit=lambda t: t.replace("billing: provisioned", "billing: on-demand")
                 .replace("    read_capacity: 10\n", "").replace("    write_capacity: 10\n", ""))
    stage(bins, N, "apply", cfg, env)
    ddb = moto.client("dynamodb")
    for name in ("User", "Photo", "User-guard"):
        t = ddb.describe_table(TableName=name)["Table"]
        assert t["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert stage(bins, N, "plan", cfg, env).returncode == 0
    p = stage(bins, N, "plan", config(tmp_path, name="prov.yaml"), env)
    assert p.returncode == 2 and "billing mode on-demand -> provisioned" in p.stdout


def test_existing_table_with_other_keys_is_an_error_not_a_recreate(bins, moto, env, tmp_path):
    ddb = moto.client("dynamodb")
    ddb.create_table(TableName="User", KeySchema=[{"AttributeName": "email", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "email", "AttributeType": "S"}],
                     BillingMode="PAY_PER_REQUEST")
    ddb.put_item(TableName="User", Item={"email": {"S": "a@example.com"}})
    cfg = config(tmp_path)
    for verb in ("plan", "apply"):
        p = stage(bins, N, verb, cfg, env, check=False)
        line = one_error_line(p)
        assert "hash key email (S)" in line and "hash key id (S)" in line
        assert "never re-created" in line
    assert ddb.scan(TableName="User")["Count"] == 1
    assert keys(ddb.describe_table(TableName="User")["Table"]) == {"HASH": "email"}


def test_destroy_refuses_items_unless_forced(bins, moto, env, tmp_path):
    cfg = config(tmp_path)
    stage(bins, N, "apply", cfg, env)
    ddb = moto.client("dynamodb")
    ddb.put_item(TableName="Photo", Item={"user_id": {"S": "u1"}, "id": {"N": "1"}})
    line = one_error_line(stage(bins, N, "destroy", cfg, env, check=False))
    assert "Photo holds items" in line and "--force" in line
    assert sorted(ddb.list_tables()["TableNames"]) == ["Photo", "User", "User-guard"]   # nothing deleted
    stage(bins, N, "destroy", cfg, env, "--force")
    assert ddb.list_tables()["TableNames"] == []
    assert "1" not in state(tmp_path)["stages"]
    p = stage(bins, N, "destroy", cfg, env)
    assert "absent" in p.stdout


def test_destroy_of_empty_tables_needs_no_force(bins, moto, env, tmp_path):
    cfg = config(tmp_path)
    stage(bins, N, "apply", cfg, env)
    stage(bins, N, "destroy", cfg, env)
    assert moto.client("dynamodb").list_tables()["TableNames"] == []


@pytest.mark.parametrize("edit, expect", [
    (lambda t: t.replace("    billing: provisioned      # provisioned (10/10 as in the lab) | on-demand\n", ""),
     "missing required key 'billing'"),
    (lambda t: t.replace("read_capacity: 10", "read_capacity: ten"), "read_capacity"),
    (lambda t: t.replace("billing: provisioned", "billing: sometimes"), "billing"),
    (lambda t: t.replace("region: ap-southeast-1", "region: moon-base"), "aws.region"),
    (lambda t: t.replace("  dynamodb:\n    billing", "  dynamodb: [1]\n  x:\n    billing"),
     "provision.dynamodb"),
])
def test_bad_config_is_one_clear_line(bins, moto, env, tmp_path, edit, expect):
    cfg = config(tmp_path, edit=edit)
    line = one_error_line(stage(bins, N, "apply", cfg, env, check=False))
    assert expect in line
    assert "stage-1.yaml" in line
    assert moto.client("dynamodb").list_tables()["TableNames"] == []


def test_missing_config_file_and_usage(bins, env, tmp_path):
    p = stage(bins, N, "plan", tmp_path / "local" / "nope.yaml", env, check=False)
    assert "nope.yaml" in one_error_line(p)
    p = stage(bins, N, "frobnicate", config(tmp_path), env, check=False)
    assert p.returncode == 1 and "unknown verb" in p.stderr   # never 2: plan's "changes"
    p = stage(bins, N, "plan", tmp_path / "x.yaml", env, check=False)   # no target in the path
    assert "--target" in one_error_line(p)


def test_unreachable_endpoint_is_one_clear_line(bins, env, tmp_path):
    env = dict(env, AWS_ENDPOINT_URL=f"http://127.0.0.1:{free_port()}", AWS_MAX_ATTEMPTS="2")
    line = one_error_line(stage(bins, N, "plan", config(tmp_path), env, check=False))
    assert "127.0.0.1" in line or "connect" in line.lower()


def test_failure_in_the_middle_then_rerun_completes(bins, moto, env, tmp_path):
    cfg = config(tmp_path)
    p = stage(bins, N, "apply", cfg, dict(env, CA_STAGE_FAIL_AFTER="1"), check=False)
    assert p.returncode == 1 and "injected failure" in p.stderr
    assert moto.client("dynamodb").list_tables()["TableNames"] == ["User"]
    st = state(tmp_path)
    assert [r["name"] for r in st["stages"]["1"]["resources"]] == ["User"]
    assert "user_table" not in st["stages"]["1"]["outputs"]   # outputs only after success
    p = stage(bins, N, "apply", cfg, env)
    assert "ok       dynamodb table User" in p.stdout
    assert "created  dynamodb table Photo" in p.stdout
    assert "created  dynamodb table User-guard" in p.stdout
    assert sorted(moto.client("dynamodb").list_tables()["TableNames"]) == ["Photo", "User", "User-guard"]
    assert state(tmp_path)["stages"]["1"]["outputs"]["photo_table"]["value"] == "Photo"


def test_corrupt_state_file_is_refused_not_overwritten(bins, env, tmp_path):
    d = tmp_path / "state" / "local"
    d.mkdir(parents=True)
    (d / "state.json").write_text("{not json")
    line = one_error_line(stage(bins, N, "plan", config(tmp_path), env, check=False))
    assert "state.json" in line
    assert (d / "state.json").read_text() == "{not json"
