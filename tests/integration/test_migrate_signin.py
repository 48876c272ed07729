"""Migrated users keep their password at stage 3: a legacy deployment seeded with
cloudalbum-legacy-seed, stages 0-3 applied with scripts/stage.sh (what `make stage-3`
runs) on moto, `cloudalbum-migrate run --cognito` into the generated stage-3 config, and
cloudalbum-serve on that config. The pool users wait in FORCE_CHANGE_PASSWORD; the first
password sign-in with the legacy password carries it into the pool (checked with boto3),
and nothing else ever does: wrong passwords, unknown emails, passwords the pool's policy
refuses, and pool users that the migration did not make for that User item. A legacy
password the policy refuses is answered 403 "new_password_required"; the same sign-in
with new_password then makes that the pool password (like Cognito's NEW_PASSWORD_REQUIRED
challenge), and new_password changes nothing for anyone else."""
import base64
import hashlib
import hmac
import os
import re
import shutil
import uuid
from pathlib import Path

import pytest
import yaml

from helpers import fresh_mysql_database, legacy_seed, mysql_query, run
from serve_helpers import Client, Serve

ROOT = Path(__file__).resolve().parents[2]
USERS, PER_USER, SEED = 8, 3, 2121
UNAUTHORIZED_MSG = "The email or password is not right."


def secret_hash(secret, username, client_id):
    mac = hmac.new(secret.encode(), (username + client_id).encode(), hashlib.sha256).digest()
    return base64.b64encode(mac).decode()


def meets_stage3_policy(password):
    """stage-3-cognito's password policy: 8+ characters, upper, lower and a digit."""
    return (len(password) >= 8 and re.search(r"[A-Z]", password) and re.search(r"[a-z]", password)
            and re.search(r"[0-9]", password)) is not None


@pytest.fixture(scope="module")
def legacy(bins, tmp_path_factory):
    upload = tmp_path_factory.mktemp("legacy") / "upload"
    with fresh_mysql_database("ca_migsignin_") as (name, url):
        passwords = legacy_seed(bins, url, upload, USERS, PER_USER, SEED)
        users = mysql_query(name, "SELECT id, email, username, password FROM `User` ORDER BY id")
        strong = [u for u in users if meets_stage3_policy(passwords[u["email"]])]
        weak = [u for u in users if not meets_stage3_policy(passwords[u["email"]])]
        # the seed is fixed: these counts are facts of it, not luck
        assert len(strong) >= 7 and weak, (len(strong), len(weak))
        yield dict(db=name, url=url, upload=upload, passwords=passwords, strong=strong,
                   weak=weak)


class Stack:
    def __init__(self, moto, legacy, cfg, serve):
        self.moto, self.legacy, self.cfg, self.serve = moto, legacy, cfg, serve
        auth = yaml.safe_load(cfg.read_text())["auth"]
        self.pool, self.client_id, self.secret = (auth["user_pool_id"], auth["client_id"],
                                                  auth["client_secret"])
        self.idp = moto.client("cognito-idp")
        self.ddb = moto.client("dynamodb")

    def pool_user(self, email):
        return self.idp.admin_get_user(UserPoolId=self.pool, Username=email)

    def status(self, email):
        return self.pool_user(email)["UserStatus"]

    def item(self, email):
        items = self.ddb.query(TableName="User", IndexName="user-email-index",
                               KeyConditionExpression="email = :e",
                               ExpressionAttributeValues={":e": {"S": email}})["Items"]
        assert len(items) == 1, items
        return self.ddb.get_item(TableName="User", Key={"id": items[0]["id"]})["Item"]

    def sign_in(self, email, password, **more):
        c = Client(self.serve.base)
        return c, c.post("/api/session", json=dict(email=email, password=password, **more))

    def pool_sign_in(self, email, password):
        """InitiateAuth straight to the pool, as any other client of it would."""
        return self.idp.initiate_auth(
            ClientId=self.client_id, AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": email, "PASSWORD": password,
                            "SECRET_HASH": secret_hash(self.secret, email, self.client_id)})

    def carried_over_lines(self):
        return [l for l in self.serve.stderr().splitlines()
                if "signed in with the legacy password" in l]


@pytest.fixture
def stack(bins, moto, aws_env, legacy, tmp_path):
    gen = tmp_path / "generated"
    env = dict(aws_env, CA_BIN=str(bins), MOTO_PORT=str(moto.port), TARGET="local",
               CA_STATE_DIR=str(tmp_path / "state"), GENERATED_DIR=str(gen))
    run([ROOT / "scripts/stage.sh", 3], env=env, timeout=600)
    cfg = gen / "local" / "stage-3.yaml"
    p = run([bins / "cloudalbum-migrate", "run", "--cognito", "--from-db", legacy["url"],
             "--from-dir", legacy["upload"], "--to", cfg, "--state", tmp_path / "migrate.state"],
            env=aws_env, timeout=600)
    assert f"cognito: {USERS} users created" in p.stdout and "they keep their passwords" in p.stdout
    serve = Serve(bins / "cloudalbum-serve", cfg, tmp_path, env=aws_env)
    s = Stack(moto, legacy, cfg, serve)
    try:
        yield s
    finally:
        serve.stop()
        err = serve.stderr()
        # never a password or a hash in the server's log
        for email, password in legacy["passwords"].items():
            assert password not in err
        for u in legacy["strong"] + legacy["weak"]:
            assert u["password"].split("$")[-1] not in err


def test_legacy_password_signs_in_and_becomes_the_pool_password(stack, legacy):
    u = legacy["strong"][0]
    email, password = u["email"], legacy["passwords"][u["email"]]
    before = stack.pool_user(email)
    assert before["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    owner = before["Username"]
    item = stack.item(email)
    assert item["id"]["S"] == owner and item["password"]["S"] == u["password"]

    c, r = stack.sign_in(email, password)
    assert r.status_code == 200, r.text
    assert r.json() == {"id": owner, "email": email, "username": u["username"]}
    assert c.cookies.get("session") and c.cookies.get("csrf_token")
    assert stack.status(email) == "CONFIRMED"
    # the pool itself now takes the legacy password
    assert stack.pool_sign_in(email, password)["AuthenticationResult"]["IdToken"]
    lines = stack.carried_over_lines()
    assert len(lines) == 1 and owner in lines[0] and f"legacy user {u['id']}" in lines[0]
    assert email not in lines[0]

    # the album is the migrated one
    r = c.get("/api/me")
    assert r.status_code == 200 and r.json()["id"] == owner
    r = c.get("/api/photos")
    assert r.status_code == 200, r.text
    got = r.json()["photos"]
    rows = mysql_query(legacy["db"], "SELECT filename_orig FROM Photo WHERE user_id = %s",
                       (u["id"],))
    assert rows and sorted(p["filename_orig"] for p in got) == sorted(x["filename_orig"] for x in rows)
    items = stack.ddb.query(TableName="Photo", KeyConditionExpression="user_id = :u",
                            ExpressionAttributeValues={":u": {"S": owner}})["Items"]
    assert sorted(p["id"] for p in got) == sorted(int(i["id"]["N"]) for i in items)

    # a second sign-in is the pool's own: it works with the legacy hash gone from the item
    stack.ddb.update_item(TableName="User", Key={"id": {"S": owner}},
                          UpdateExpression="SET password = :p",
                          ExpressionAttributeValues={":p": {"S": "pbkdf2:sha256:1000$x$00"}})
    c2, r = stack.sign_in(email, password)
    assert r.status_code == 200, r.text
    assert r.json()["id"] == owner and c2.cookies.get("session")
    assert len(stack.carried_over_lines()) == 1
    assert stack.status(email) == "CONFIRMED"


def test_wrong_password_and_unknown_email_are_401_alike(stack, legacy):
    u, other = legacy["strong"][1], legacy["strong"][2]
    email, password = u["email"], legacy["passwords"][u["email"]]
    answers = []
    for e, pw in ((email, password + "x"), (email, ""),
                  (email, legacy["passwords"][other["email"]]),  # another user's password
                  ("nobody-" + uuid.uuid4().hex[:8] + "@example.com", password)):
        c, r = stack.sign_in(e, pw)
        if pw == "":
            assert r.status_code in (400, 401), r.text
            continue
        assert r.status_code == 401, (pw == password, r.text)
        assert "session" not in c.cookies
        answers.append(r.json())
    assert all(a == {"error": "unauthorized", "message": UNAUTHORIZED_MSG} for a in answers), answers
    assert stack.status(email) == "FORCE_CHANGE_PASSWORD"
    assert stack.status(other["email"]) == "FORCE_CHANGE_PASSWORD"
    assert stack.carried_over_lines() == []
    # the right one still works afterwards (the attempts above stay under the account's limit)
    c, r = stack.sign_in(email, password)
    assert r.status_code == 200, r.text
    assert stack.status(email) == "CONFIRMED"


def test_password_the_pool_refuses_is_403_and_changes_nothing(stack, legacy):
    u = legacy["weak"][0]
    email, password = u["email"], legacy["passwords"][u["email"]]
    for _ in range(2):
        c, r = stack.sign_in(email, password)
        assert r.status_code == 403, r.text
        assert r.json()["error"] == "new_password_required", r.json()
        msg = r.json()["message"]
        assert "password is right" in msg and "new password" in msg and "new_password" in msg
        assert "password policy" in msg  # the pool's own sentence
        assert password not in msg and u["password"] not in msg
        assert "session" not in c.cookies
        assert stack.status(email) == "FORCE_CHANGE_PASSWORD"
    # a wrong password for that user is the usual 401, not this 403
    c, r = stack.sign_in(email, password + "-wrong")
    assert r.status_code == 401 and r.json()["message"] == UNAUTHORIZED_MSG
    assert stack.item(email)["password"]["S"] == u["password"]
    assert stack.carried_over_lines() == []


def recreate(stack, email, attrs):
    """The pool user of email deleted and made again by someone else, FORCE_CHANGE_PASSWORD."""
    stack.idp.admin_delete_user(UserPoolId=stack.pool, Username=email)
    made = stack.idp.admin_create_user(
        UserPoolId=stack.pool, Username=email, MessageAction="SUPPRESS",
        UserAttributes=[{"Name": "email", "Value": email}, {"Name": "name", "Value": "X"},
                        *attrs])["User"]
    assert made["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    return made["Username"]


def test_pool_users_the_migration_did_not_make_get_no_password(stack, legacy):
    users = legacy["strong"][1:7]
    idp, pool = stack.idp, stack.pool

    # 1. no custom:legacy_id (the item is still the one written for this pool user)
    u = users[0]
    idp.admin_delete_user_attributes(UserPoolId=pool, Username=u["email"],
                                     UserAttributeNames=["custom:legacy_id"])
    assert stack.item(u["email"])["id"]["S"] == stack.pool_user(u["email"])["Username"]
    # 2. a custom:legacy_id the migration never writes
    v = users[1]
    idp.admin_update_user_attributes(UserPoolId=pool, Username=v["email"], UserAttributes=[
        {"Name": "custom:legacy_id", "Value": f"{v['id']} "}])
    # 3. made again by someone else with the right legacy id: the item is not this user's
    w = users[2]
    new_name = recreate(stack, w["email"], [{"Name": "custom:legacy_id", "Value": str(w["id"])}])
    assert stack.item(w["email"])["id"]["S"] != new_name
    # 4. made again with another user's legacy id
    x, y = users[3], users[4]
    recreate(stack, x["email"], [{"Name": "custom:legacy_id", "Value": str(y["id"])}])
    # 5. disabled
    idp.admin_disable_user(UserPoolId=pool, Username=y["email"])
    # 6. the User item the migration wrote is gone
    g = users[5]
    stack.ddb.delete_item(TableName="User", Key={"id": stack.item(g["email"])["id"]})

    for z in (u, v, w, x, y, g):
        c, r = stack.sign_in(z["email"], legacy["passwords"][z["email"]])
        assert r.status_code == 401, (z["email"], r.text)
        assert r.json()["message"] == UNAUTHORIZED_MSG and "session" not in c.cookies
        assert stack.status(z["email"]) == "FORCE_CHANGE_PASSWORD", z["email"]
    assert stack.carried_over_lines() == []
    # the server says why for the one whose item belongs to another pool user
    assert f"pool user {new_name} waits for its legacy password" in stack.serve.stderr()



NEW_PASSWORD = "Fresh-Start-2024x"  # meets the stage-3 policy
assert meets_stage3_policy(NEW_PASSWORD)


def pool_refuses(stack, email, password):
    with pytest.raises(stack.idp.exceptions.NotAuthorizedException):
        stack.pool_sign_in(email, password)


def test_new_password_replaces_a_legacy_password_the_pool_refuses(stack, legacy):
    u = legacy["weak"][0]
    email, password = u["email"], legacy["passwords"][u["email"]]
    owner = stack.pool_user(email)["Username"]
    c, r = stack.sign_in(email, password)
    assert r.status_code == 403 and r.json()["error"] == "new_password_required", r.text

    c, r = stack.sign_in(email, password, new_password=NEW_PASSWORD)
    assert r.status_code == 200, r.text
    assert r.json() == {"id": owner, "email": email, "username": u["username"]}
    assert c.cookies.get("session") and c.cookies.get("csrf_token")
    assert c.get("/api/me").json()["id"] == owner
    assert stack.status(email) == "CONFIRMED"
    assert stack.pool_sign_in(email, NEW_PASSWORD)["AuthenticationResult"]["IdToken"]
    pool_refuses(stack, email, password)
    lines = stack.carried_over_lines()
    assert len(lines) == 1 and "chose a new one" in lines[0] and owner in lines[0], lines

    # from now on the new password is the password, through the app too; the old one is not
    c2, r = stack.sign_in(email, NEW_PASSWORD)
    assert r.status_code == 200 and r.json()["id"] == owner, r.text
    c3, r = stack.sign_in(email, password)
    assert r.status_code == 401 and r.json()["message"] == UNAUTHORIZED_MSG, r.text
    assert "session" not in c3.cookies
    # and new_password is no way to change it again, not even with the legacy password
    c3, r = stack.sign_in(email, password, new_password="Another-Try-2025y")
    assert r.status_code == 401 and r.json()["message"] == UNAUTHORIZED_MSG, r.text
    pool_refuses(stack, email, "Another-Try-2025y")
    assert len(stack.carried_over_lines()) == 1
    assert NEW_PASSWORD not in stack.serve.stderr()


def test_new_password_the_pool_refuses_is_400_and_changes_nothing(stack, legacy):
    u = legacy["weak"][0]
    email, password = u["email"], legacy["passwords"][u["email"]]
    for weak in ("short1A", "alllowercase123", "NoDigitsHereAtAll", ""):
        c, r = stack.sign_in(email, password, new_password=weak)
        assert r.status_code == 400, (weak, r.text)
        msg = r.json()["message"]
        assert "new password" in msg and "password policy" in msg, msg
        assert (weak == "" or weak not in msg) and password not in msg
        assert "session" not in c.cookies
        assert stack.status(email) == "FORCE_CHANGE_PASSWORD"
    pool_refuses(stack, email, "short1A")
    # malformed: not a string, too long, or next to an id_token
    for body in (dict(email=email, password=password, new_password=12345678),
                 dict(email=email, password=password, new_password=["Fresh-Start-2024x"]),
                 dict(email=email, password=password, new_password="A1a" * 400),
                 dict(id_token="x.y.z", new_password=NEW_PASSWORD)):
        r = Client(stack.serve.base).post("/api/session", json=body)
        assert r.status_code == 400, (body, r.text)
    assert stack.status(email) == "FORCE_CHANGE_PASSWORD"
    assert stack.item(email)["password"]["S"] == u["password"]
    assert stack.carried_over_lines() == []
    # still the same offer afterwards
    c, r = stack.sign_in(email, password)
    assert r.status_code == 403 and r.json()["error"] == "new_password_required", r.text


def test_new_password_without_the_right_password_changes_nothing(stack, legacy):
    weak, strong = legacy["weak"][0], legacy["strong"][0]
    for u in (weak, strong):
        email, password = u["email"], legacy["passwords"][u["email"]]
        for wrong in (password + "x", legacy["passwords"][legacy["strong"][1]["email"]]):
            c, r = stack.sign_in(email, wrong, new_password=NEW_PASSWORD)
            assert r.status_code == 401, r.text
            assert r.json() == {"error": "unauthorized", "message": UNAUTHORIZED_MSG}
            assert "session" not in c.cookies
        assert stack.status(email) == "FORCE_CHANGE_PASSWORD"
        pool_refuses(stack, email, NEW_PASSWORD)
    # an unknown email alike
    c, r = stack.sign_in("nobody-" + uuid.uuid4().hex[:8] + "@example.com", NEW_PASSWORD,
                         new_password=NEW_PASSWORD)
    assert r.status_code == 401 and r.json()["message"] == UNAUTHORIZED_MSG, r.text
    assert stack.carried_over_lines() == []

    # a migrated user whose legacy password the pool takes may choose a new one as well
    email, password = strong["email"], legacy["passwords"][strong["email"]]
    c, r = stack.sign_in(email, password, new_password=NEW_PASSWORD)
    assert r.status_code == 200, r.text
    assert stack.status(email) == "CONFIRMED"
    assert stack.pool_sign_in(email, NEW_PASSWORD)["AuthenticationResult"]["IdToken"]
    pool_refuses(stack, email, password)


def test_new_password_is_ignored_for_a_normal_user(stack):
    email = "normal-" + uuid.uuid4().hex[:8] + "@example.com"
    password = "Normal-User-2024z"
    r = Client(stack.serve.base).post("/api/users", json=dict(email=email, username="Norma",
                                                              password=password))
    assert r.status_code == 201, r.text
    assert stack.status(email) == "CONFIRMED"
    pool_user = stack.pool_user(email)
    assert not any(a["Name"] == "custom:legacy_id" for a in pool_user["UserAttributes"])

    c, r = stack.sign_in(email, password, new_password=NEW_PASSWORD)
    assert r.status_code == 200, r.text
    assert r.json()["email"] == email and c.cookies.get("session")
    c, r = stack.sign_in(email, password + "x", new_password=NEW_PASSWORD)
    assert r.status_code == 401 and r.json()["message"] == UNAUTHORIZED_MSG, r.text
    c, r = stack.sign_in(email, password, new_password="weak")
    assert r.status_code == 200, r.text
    assert stack.pool_sign_in(email, password)["AuthenticationResult"]["IdToken"]
    pool_refuses(stack, email, NEW_PASSWORD)
    c, r = stack.sign_in(email, NEW_PASSWORD)
    assert r.status_code == 401, r.text
    assert stack.carried_over_lines() == []


def test_sign_in_page_asks_for_a_new_password(stack, legacy):
    """The web front end's side, in headless Chromium (tests/e2e/new_password.test.mjs)."""
    chromium = os.environ.get("CA_CHROMIUM", "/usr/bin/chromium")
    if not (shutil.which("node") and (ROOT / "node_modules/playwright-core").is_dir()
            and os.access(chromium, os.X_OK)):
        pytest.skip("node, node_modules/playwright-core (npm ci) or chromium is missing")
    u = legacy["weak"][0]
    email, password = u["email"], legacy["passwords"][u["email"]]
    env = dict(os.environ, CA_NEWPW_BASE_URL=stack.serve.base, CA_NEWPW_EMAIL=email,
               CA_NEWPW_PASSWORD=password, CA_NEWPW_NEW=NEW_PASSWORD)
    p = run(["node", "--test", "tests/e2e/new_password.test.mjs"], env=env, check=False,
            timeout=300, cwd=ROOT)
    assert p.returncode == 0 and "# pass 1" in p.stdout, p.stdout + p.stderr
    assert stack.status(email) == "CONFIRMED"
    assert stack.pool_sign_in(email, NEW_PASSWORD)["AuthenticationResult"]["IdToken"]
    pool_refuses(stack, email, password)
    assert NEW_PASSWORD not in stack.serve.stderr()
