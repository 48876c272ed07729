"""stage-3-cognito against moto, checked with boto3: pool, app client and domain settings,
an id token that carries email and name, found again by name (never duplicated), drift,
destroy (refusal with users, --force), bad input."""
import base64
import hashlib
import hmac
import json
import urllib.request

import pytest

from helpers import free_port
from stages2_helpers import Stage, lab_config, one_error_line, set_key, unreachable_env
from wire_recorder import WireRecorder

REGION = "ap-southeast-1"
BASE = "http://localhost:8080"
POOL = "cloudalbum-users"
CLIENT = "cloudalbum-web"


@pytest.fixture
def idp(moto):
    return moto.client("cognito-idp")


@pytest.fixture
def stage(bins, aws_env, tmp_path, moto):
    env = dict(aws_env, MOTO_PORT=str(moto.port))
    return Stage(bins, "stage-3-cognito", lab_config(tmp_path, 3), tmp_path / "state", env)


def pools(idp):
    return [p for p in idp.list_user_pools(MaxResults=60)["UserPools"]]


def counts(idp):
    ps = pools(idp)
    clients = sum(len(idp.list_user_pool_clients(UserPoolId=p["Id"], MaxResults=60)["UserPoolClients"])
                  for p in ps)
    domains = sum(1 for p in ps if idp.describe_user_pool(UserPoolId=p["Id"])["UserPool"].get("Domain"))
    return len(ps), clients, domains


def the_pool(idp):
    ps = [p for p in pools(idp) if p["Name"] == POOL]
    assert len(ps) == 1
    return idp.describe_user_pool(UserPoolId=ps[0]["Id"])["UserPool"]


def the_client(idp, pool_id):
    cs = [c for c in idp.list_user_pool_clients(UserPoolId=pool_id, MaxResults=60)["UserPoolClients"]
          if c["ClientName"] == CLIENT]
    assert len(cs) == 1
    return idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=cs[0]["ClientId"])["UserPoolClient"]


def jwt_claims(token):
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def test_apply_builds_pool_client_and_domain_as_specified(stage, idp, moto):
    p = stage.run("plan")
    assert p.returncode == 2, p.stdout + p.stderr
    assert counts(idp) == (0, 0, 0)
    stage.ok("apply")

    pool = the_pool(idp)
    assert pool["UsernameAttributes"] == ["email"]
    assert pool["AutoVerifiedAttributes"] == ["email"]
    assert pool["VerificationMessageTemplate"]["DefaultEmailOption"] == "CONFIRM_WITH_LINK"
    pp = pool["Policies"]["PasswordPolicy"]
    assert pp["MinimumLength"] == 8 and pp["RequireUppercase"] and pp["RequireNumbers"]
    attrs = {a["Name"]: a for a in pool["SchemaAttributes"]}
    assert attrs["name"]["Required"] is True
    assert attrs["email"]["Required"] is True
    assert attrs["custom:legacy_id"]["AttributeDataType"] == "String"
    assert attrs["custom:legacy_id"]["Mutable"] is True

    client = the_client(idp, pool["Id"])
    assert client["ClientSecret"]
    assert client["AllowedOAuthFlows"] == ["code"]
    assert sorted(client["AllowedOAuthScopes"]) == ["email", "openid", "profile"]
    assert client["AllowedOAuthFlowsUserPoolClient"] is True
    assert client["SupportedIdentityProviders"] == ["COGNITO"]
    assert client["CallbackURLs"] == [BASE + "/callback"]
    assert client["LogoutURLs"] == [BASE]
    assert set(client["ExplicitAuthFlows"]) == {"ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH",
                                                 "ALLOW_USER_SRP_AUTH"}
    assert {"email", "name"} <= set(client["ReadAttributes"])

    domain = pool["Domain"]
    assert domain == domain.lower() and domain.startswith("cloudalbum-")
    assert idp.describe_user_pool_domain(Domain=domain)["DomainDescription"]["UserPoolId"] == pool["Id"]

    out = stage.outputs()
    assert out["user_pool_id"] == pool["Id"]
    assert out["client_id"] == client["ClientId"]
    assert out["client_secret"] is None                       # hidden without --show-secrets
    assert stage.outputs("--show-secrets")["client_secret"] == client["ClientSecret"]
    assert out["domain"] == domain
    assert out["issuer"] == f"https://cognito-idp.{REGION}.amazonaws.com/{pool['Id']}"
    assert out["jwks_url"] == f"{moto.endpoint}/{pool['Id']}/.well-known/jwks.json"
    jwks = json.loads(urllib.request.urlopen(out["jwks_url"], timeout=10).read())
    assert jwks["keys"][0]["kty"] == "RSA"
    assert client["ClientSecret"] not in stage.ok("outputs").stdout
    assert client["ClientSecret"] in stage.ok("outputs", "--show-secrets").stdout


def test_id_token_carries_email_and_name(stage, idp):
    stage.ok("apply")
    out = stage.outputs("--show-secrets")
    pool_id, client_id, secret = out["user_pool_id"], out["client_id"], out["client_secret"]
    email = "ann@example.com"
    idp.admin_create_user(UserPoolId=pool_id, Username=email, MessageAction="SUPPRESS",
                          UserAttributes=[{"Name": "email", "Value": email},
                                          {"Name": "name", "Value": "Ann"},
                                          {"Name": "custom:legacy_id", "Value": "42"}])
    idp.admin_set_user_password(UserPoolId=pool_id, Username=email, Password="Passw0rdA",
                                Permanent=True)
    digest = hmac.new(secret.encode(), (email + client_id).encode(), hashlib.sha256).digest()
    auth = idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                             AuthParameters={"USERNAME": email, "PASSWORD": "Passw0rdA",
                                             "SECRET_HASH": base64.b64encode(digest).decode()})
    claims = jwt_claims(auth["AuthenticationResult"]["IdToken"])
    assert claims["email"] == email
    assert claims["name"] == "Ann"
    assert claims["iss"] == out["issuer"]
    assert claims["aud"] == client_id


def test_found_again_by_name_never_duplicated(stage, idp):
    stage.ok("apply")
    before = counts(idp)
    assert before == (1, 1, 1)
    first = stage.outputs("--show-secrets")
    p = stage.ok("apply")
    assert "0 change(s) made" in p.stdout
    assert counts(idp) == before
    assert stage.outputs("--show-secrets") == first
    assert stage.run("plan").returncode == 0

    # a lost state file loses nothing: the pool is found again by name
    (stage.state_dir / "local" / "state.json").unlink()
    stage.ok("apply")
    assert counts(idp) == before
    assert stage.outputs("--show-secrets") == first


def test_drift_is_named_and_put_back(stage, idp):
    stage.ok("apply")
    pool = the_pool(idp)
    client = the_client(idp, pool["Id"])
    # the stand-in (scripts/moto-server.py) keeps UsernameAttributes through
    # UpdateUserPool, as real Cognito does
    idp.update_user_pool(UserPoolId=pool["Id"], Policies={"PasswordPolicy": {
        "MinimumLength": 6, "RequireUppercase": True, "RequireLowercase": True,
        "RequireNumbers": True, "RequireSymbols": False}},
        AutoVerifiedAttributes=["email"],
        VerificationMessageTemplate={"DefaultEmailOption": "CONFIRM_WITH_CODE"})
    idp.update_user_pool_client(UserPoolId=pool["Id"], ClientId=client["ClientId"],
                                CallbackURLs=["https://evil.example/cb"],
                                AllowedOAuthScopes=["openid"])
    p = stage.run("plan")
    assert p.returncode == 2, p.stdout + p.stderr
    pool_line = [l for l in p.stdout.splitlines() if "cognito user pool" in l][0]
    assert pool_line.startswith("  update")
    assert "password minimum length 6 -> 8" in pool_line
    assert "CONFIRM_WITH_CODE -> CONFIRM_WITH_LINK" in pool_line
    client_line = [l for l in p.stdout.splitlines() if "cognito app client" in l][0]
    assert "CallbackURLs" in client_line and "AllowedOAuthScopes" in client_line
    assert "LogoutURLs" not in client_line

    stage.ok("apply")
    pool = the_pool(idp)
    assert pool["Policies"]["PasswordPolicy"]["MinimumLength"] == 8
    assert pool["VerificationMessageTemplate"]["DefaultEmailOption"] == "CONFIRM_WITH_LINK"
    fixed = the_client(idp, pool["Id"])
    assert fixed["CallbackURLs"] == [BASE + "/callback"]
    assert sorted(fixed["AllowedOAuthScopes"]) == ["email", "openid", "profile"]
    assert fixed["ClientId"] == client["ClientId"]
    assert fixed["ClientSecret"] == client["ClientSecret"]
    assert stage.run("plan").returncode == 0


def botocore_input_problems(operation, params):
    """botocore's validation of params against the operation's input shape ("" when
    valid): unknown members, wrong types, missing required ones."""
    import botocore.session
    import botocore.validate
    model = botocore.session.get_session().get_service_model("cognito-idp")
    report = botocore.validate.ParamValidator().validate(
        params, model.operation_model(operation).input_shape)
    return report.generate_report() if report.has_errors() else ""


def with_read_only_fields(target, body, status, data):
    """What real Cognito's Describe answers hold beyond what Update takes: the client's
    ClientSecretArn, and members the API may add later."""
    if status != 200 or target not in ("DescribeUserPoolClient", "DescribeUserPool"):
        return status, data
    doc = json.loads(data)
    if target == "DescribeUserPoolClient":
        doc["UserPoolClient"]["ClientSecretArn"] = (
            "arn:aws:secretsmanager:ap-southeast-1:123456789012:secret:cognito-x")
        doc["UserPoolClient"]["ClientType"] = "CONFIDENTIAL"
        doc["UserPoolClient"]["SomeFutureReadOnlyMember"] = {"x": 1}
    else:
        doc["UserPool"]["EstimatedNumberOfUsers"] = 0
        doc["UserPool"]["SomeFutureReadOnlyMember"] = "y"
    return status, json.dumps(doc).encode()


def test_drift_repair_sends_only_what_the_update_apis_take(stage, idp, moto):
    stage.ok("apply")
    pool = the_pool(idp)
    client = the_client(idp, pool["Id"])
    idp.update_user_pool(UserPoolId=pool["Id"], AutoVerifiedAttributes=["email"],
                         VerificationMessageTemplate={"DefaultEmailOption": "CONFIRM_WITH_CODE"},
                         UserPoolTags={"team": "album"})
    idp.update_user_pool_client(UserPoolId=pool["Id"], ClientId=client["ClientId"],
                                ClientName=CLIENT, CallbackURLs=["https://evil.example/cb"],
                                RefreshTokenValidity=7)
    with WireRecorder(moto.endpoint, answer=with_read_only_fields) as wire:
        stage.ok("apply", env=dict(AWS_ENDPOINT_URL=wire.endpoint, MOTO_PORT=str(wire.port)))
        [pool_req] = wire.operation("UpdateUserPool")
        [client_req] = wire.operation("UpdateUserPoolClient")
    assert botocore_input_problems("UpdateUserPool", pool_req) == ""
    assert botocore_input_problems("UpdateUserPoolClient", client_req) == ""
    assert "UsernameAttributes" not in pool_req and "UsernameConfiguration" not in pool_req
    assert "ClientSecretArn" not in client_req and "ClientSecret" not in client_req
    # what the stage does not manage is carried unchanged
    assert pool_req["UserPoolTags"] == {"team": "album"}
    assert client_req["RefreshTokenValidity"] == 7
    assert client_req["ClientName"] == CLIENT
    assert client_req["CallbackURLs"] == [BASE + "/callback"]
    fixed = the_pool(idp)
    assert fixed["UsernameAttributes"] == ["email"]                # real Cognito keeps it
    assert fixed["VerificationMessageTemplate"]["DefaultEmailOption"] == "CONFIRM_WITH_LINK"
    assert stage.run("plan").returncode == 0


def test_custom_endpoint_without_emulator_setting_is_aws(bins, aws_env, tmp_path, idp, moto):
    """A custom endpoint (a VPC or FIPS one) is AWS: the pool's keys at the issuer, the
    hosted UI at amazoncognito.com; only aws.emulator: moto turns on moto's ways."""
    cfg = lab_config(tmp_path, 3, lambda t: t.replace("  emulator: moto", "  # emulator: moto"))
    stage = Stage(bins, "stage-3-cognito", cfg, tmp_path / "state",
                  dict(aws_env, MOTO_PORT=str(moto.port)))
    stage.ok("apply")
    out = stage.outputs()
    issuer = f"https://cognito-idp.{REGION}.amazonaws.com/{out['user_pool_id']}"
    assert out["issuer"] == issuer
    assert out["jwks_url"] == issuer + "/.well-known/jwks.json"
    assert out["hosted_ui_url"] == f"https://{out['domain']}.auth.{REGION}.amazoncognito.com"


def test_emulator_setting_is_checked(bins, aws_env, tmp_path):
    cfg = lab_config(tmp_path, 3, lambda t: set_key(t, "emulator", "localstack"))
    stage = Stage(bins, "stage-3-cognito", cfg, tmp_path / "state",
                  dict(aws_env, AWS_ENDPOINT_URL="http://127.0.0.1:9"))
    one_error_line(stage.run("plan"), "aws.emulator", "stage-3.yaml:")


def test_pool_that_cannot_be_converged_is_an_error_not_a_replacement(stage, idp):
    idp.create_user_pool(PoolName=POOL)                  # usernames, not emails
    one_error_line(stage.run("apply"), POOL, "cannot change")
    assert len(pools(idp)) == 1


def test_configured_domain_is_used(bins, aws_env, tmp_path, idp, moto):
    cfg = lab_config(tmp_path, 3, lambda t: t.replace(
        "    client_name: cloudalbum-web\n", "    client_name: cloudalbum-web\n    domain: album-attendee-7\n"))
    stage = Stage(bins, "stage-3-cognito", cfg, tmp_path / "state", dict(aws_env, MOTO_PORT=str(moto.port)))
    stage.ok("apply")
    assert the_pool(idp)["Domain"] == "album-attendee-7"
    assert stage.outputs()["domain"] == "album-attendee-7"


def test_destroy_refuses_a_pool_with_users_until_forced(stage, idp):
    stage.ok("apply")
    pool_id = stage.outputs()["user_pool_id"]
    domain = stage.outputs()["domain"]
    p = stage.ok("destroy")                               # no users yet
    assert counts(idp) == (0, 0, 0)
    assert idp.describe_user_pool_domain(Domain=domain)["DomainDescription"] == {}
    assert "3" not in (stage.state() or {}).get("stages", {})

    stage.ok("apply")
    pool_id = stage.outputs()["user_pool_id"]
    idp.admin_create_user(UserPoolId=pool_id, Username="bob@example.com", MessageAction="SUPPRESS",
                          UserAttributes=[{"Name": "email", "Value": "bob@example.com"},
                                          {"Name": "name", "Value": "Bob"}])
    one_error_line(stage.run("destroy"), POOL, "--force")
    assert counts(idp) == (1, 1, 1)
    p = stage.ok("destroy", "--force")
    assert "with 1 user(s)" in p.stdout
    assert counts(idp) == (0, 0, 0)
    assert "absent" in stage.ok("destroy").stdout


@pytest.mark.parametrize("edit, needles", [
    (lambda t: t.replace("    client_name: cloudalbum-web\n",
                         "    client_name: cloudalbum-web\n    domain: My_Domain\n"),
     ["provision.cognito.domain", "stage-3.yaml:"]),
    (lambda t: t.replace("    client_name: cloudalbum-web\n",
                         "    client_name: cloudalbum-web\n    domain: my-aws-login\n"),
     ["provision.cognito.domain"]),
    (lambda t: set_key(t, "password_min_length", "many"), ["password_min_length", "stage-3.yaml:"]),
    (lambda t: set_key(t, "password_min_length", "3"), ["password_min_length", "stage-3.yaml:"]),
    (lambda t: t.replace("    client_name: cloudalbum-web\n",
                         "    client_name: cloudalbum-web\n    pool_nmae: x\n"),
     ["pool_nmae"]),
    (lambda t: set_key(t, "base_url", "not a url"), ["server.base_url"]),
])
def test_bad_config_is_one_clear_line(bins, aws_env, tmp_path, edit, needles):
    cfg = lab_config(tmp_path, 3, edit)
    stage = Stage(bins, "stage-3-cognito", cfg, tmp_path / "state",
                  dict(aws_env, AWS_ENDPOINT_URL="http://127.0.0.1:9"))
    one_error_line(stage.run("plan"), *needles)


def test_unreachable_endpoint_is_one_clear_line(stage):
    one_error_line(stage.run("plan", env=unreachable_env(free_port)), "127.0.0.1")
