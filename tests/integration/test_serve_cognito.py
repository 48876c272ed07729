"""cloudalbum-serve with auth.kind cognito against moto's user pool: sign-up, sign-in,
profile, upload, rename, password change, sign-out; and id tokens that must not become a
session (tampered, alg none, another key, expired or for another client — the last two
signed with moto's own published private key, so only the claim checks can stop them)."""
import base64
import glob
import gzip
import hashlib
import hmac
import json
import time
import uuid
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from helpers import create_contract_tables
from serve_helpers import Client, Serve, create_stage3_pool, jpeg, write_cognito_config

PASSWORD = "Password-123!"


def b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64u(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign_rs256(key, header, payload):
    signing_input = b64u(json.dumps(header).encode()) + "." + b64u(json.dumps(payload).encode())
    sig = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return signing_input + "." + b64u(sig)


def moto_private_key():
    """moto signs every pool's tokens with this published key (kid "dummy")."""
    import moto
    path = glob.glob(str(Path(moto.__file__).parent / "cognitoidp/resources/jwks-private.json.gz"))[0]
    jwk = json.loads(gzip.open(path).read())
    n, e, d = (int.from_bytes(unb64u(jwk[k]), "big") for k in ("n", "e", "d"))
    p, q = rsa.rsa_recover_prime_factors(n, e, d)
    numbers = rsa.RSAPrivateNumbers(p, q, d, rsa.rsa_crt_dmp1(d, p), rsa.rsa_crt_dmq1(d, q),
                                    rsa.rsa_crt_iqmp(p, q), rsa.RSAPublicNumbers(e, n))
    return numbers.private_key()


def secret_hash(secret, username, client_id):
    mac = hmac.new(secret.encode(), (username + client_id).encode(), hashlib.sha256).digest()
    return base64.b64encode(mac).decode()


@pytest.fixture
def stack(moto, aws_env, tmp_path, bins):
    """Tables, a pool and client shaped like stage 3's, and a serve process (no `stage:`)."""
    ddb = moto.client("dynamodb")
    create_contract_tables(ddb)
    idp = moto.client("cognito-idp")
    pool, client = create_stage3_pool(idp)
    upload = tmp_path / "upload"
    upload.mkdir()
    cfg = write_cognito_config(tmp_path / "cognito.yaml", upload, pool["Id"], client["ClientId"],
                               client["ClientSecret"], moto.endpoint)
    serve = Serve(bins / "cloudalbum-serve", cfg, tmp_path, env=aws_env)
    try:
        yield dict(serve=serve, idp=idp, ddb=ddb, pool=pool["Id"], client=client["ClientId"],
                   secret=client["ClientSecret"], upload=upload)
    finally:
        serve.stop()


def sign_up(c, email, name="Ann"):
    r = c.post("/api/users", json=dict(email=email, username=name, password=PASSWORD))
    assert r.status_code == 201, r.text
    return r.json()


def pool_username(stack, email):
    return stack["idp"].admin_get_user(UserPoolId=stack["pool"], Username=email)["Username"]


def moto_id_token(stack, email, password=PASSWORD):
    r = stack["idp"].initiate_auth(
        ClientId=stack["client"], AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": password,
                        "SECRET_HASH": secret_hash(stack["secret"], email, stack["client"])})
    return r["AuthenticationResult"]["IdToken"]


def test_config_says_cognito(stack):
    r = Client(stack["serve"].base).get("/api/config")
    assert r.status_code == 200
    assert r.json()["auth_kind"] == "cognito"
    assert r.json()["stage"] is None


def test_whole_journey(stack):
    c = Client(stack["serve"].base)
    email = f"ann-{uuid.uuid4().hex[:8]}@example.com"
    body = sign_up(c, email)
    assert body["confirmed"] is True and body["email"] == email and body["username"] == "Ann"
    assert "sign in" in body["message"]
    user = stack["idp"].admin_get_user(UserPoolId=stack["pool"], Username=email)
    assert user["UserStatus"] == "CONFIRMED"
    attrs = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
    assert attrs["name"] == "Ann" and attrs["email"] == email
    # the same email again is a conflict
    r = c.post("/api/users", json=dict(email=email, username="Bob", password=PASSWORD))
    assert r.status_code == 409, r.text

    assert c.get("/api/me").status_code == 401
    r = c.post("/api/session", json=dict(email=email, password=PASSWORD))
    assert r.status_code == 200, r.text
    owner = pool_username(stack, email)
    assert r.json() == {"id": owner, "email": email, "username": "Ann"}
    assert c.cookies.get("session") and c.cookies.get("csrf_token")
    r = c.get("/api/me")
    assert r.status_code == 200 and r.json() == {"id": owner, "email": email, "username": "Ann"}

    assert c.get("/api/photos").json()["photos"] == []

    # change the name: the current password is required and checked
    r = c.put("/api/me", json=dict(username="Annie"))
    assert r.status_code == 400
    r = c.put("/api/me", json=dict(username="Annie", current_password="wrong-pass-1"))
    assert r.status_code == 403, r.text
    r = c.put("/api/me", json=dict(username="Annie"), headers={"X-CSRF-Token": "nope"})
    assert r.status_code == 403
    r = c.put("/api/me", json=dict(username="Annie", current_password=PASSWORD))
    assert r.status_code == 200, r.text
    assert r.json()["username"] == "Annie"
    attrs = {a["Name"]: a["Value"] for a in stack["idp"].admin_get_user(
        UserPoolId=stack["pool"], Username=email)["UserAttributes"]}
    assert attrs["name"] == "Annie"

    # change the password: the old one stops working, the new one works
    r = c.put("/api/me", json=dict(password="New-password-456", current_password=PASSWORD))
    assert r.status_code == 200, r.text
    other = Client(stack["serve"].base)
    assert other.post("/api/session", json=dict(email=email, password=PASSWORD)).status_code == 401
    r = other.post("/api/session", json=dict(email=email, password="New-password-456"))
    assert r.status_code == 200 and r.json()["username"] == "Annie"

    # sign out
    assert c.delete("/api/session").status_code == 204
    assert c.get("/api/me").status_code == 401
    assert c.get("/api/photos").status_code == 401


def test_bad_password_and_unknown_email_are_401_alike(stack):
    c = Client(stack["serve"].base)
    email = f"bob-{uuid.uuid4().hex[:8]}@example.com"
    sign_up(c, email, "Bob")
    wrong = c.post("/api/session", json=dict(email=email, password="not-the-password"))
    unknown = c.post("/api/session", json=dict(email="nobody-" + email, password=PASSWORD))
    assert wrong.status_code == 401 and unknown.status_code == 401
    assert wrong.json()["message"] == unknown.json()["message"]
    assert "session" not in c.cookies
    for bad in ({"email": email}, {"email": 5, "password": PASSWORD}, [],
                {"email": email, "password": PASSWORD, "id_token": "x"}):
        assert c.post("/api/session", json=bad).status_code == 400


def test_sign_up_refusals(stack):
    c = Client(stack["serve"].base)
    for body in ({"email": "no-at-sign", "username": "A", "password": PASSWORD},
                 {"email": "a@example.com", "username": "", "password": PASSWORD},
                 {"email": "a@example.com", "username": "A", "password": "short"},
                 {"email": "a@example.com", "username": "A", "password": PASSWORD, "x": 1},
                 {"email": "a:b@example.com", "username": "A", "password": PASSWORD}):
        r = c.post("/api/users", json=body)
        assert r.status_code == 400, (body, r.text)


def test_id_token_sign_in_and_forgeries(stack):
    c = Client(stack["serve"].base)
    email = f"cy-{uuid.uuid4().hex[:8]}@example.com"
    sign_up(c, email, "Cy")
    owner = pool_username(stack, email)
    token = moto_id_token(stack, email)

    # a genuine id token from the pool becomes a session
    r = c.post("/api/session", json=dict(id_token=token))
    assert r.status_code == 200, r.text
    assert r.json()["id"] == owner
    assert c.get("/api/me").json()["email"] == email

    header_b64, payload_b64, sig_b64 = token.split(".")
    claims = json.loads(unb64u(payload_b64))
    forged_claims = dict(claims, **{"cognito:username": "someone-else"})
    forgeries = {
        "tampered payload": header_b64 + "." + b64u(json.dumps(forged_claims).encode())
        + "." + sig_b64,
        "alg none": b64u(b'{"alg":"none","kid":"dummy"}') + "." + payload_b64 + ".",
        "another key": sign_rs256(rsa.generate_private_key(public_exponent=65537, key_size=2048),
                                  {"alg": "RS256", "kid": "dummy"}, forged_claims),
        "HS256": (lambda si: si + "." + b64u(hmac.new(b"secret", si.encode(),
                                                      hashlib.sha256).digest()))(
            b64u(b'{"alg":"HS256","kid":"dummy"}') + "." + payload_b64),
        "unknown kid": sign_rs256(moto_private_key(), {"alg": "RS256", "kid": "other"}, claims),
        "expired": sign_rs256(moto_private_key(), {"alg": "RS256", "kid": "dummy"},
                              dict(claims, exp=int(time.time()) - 3600,
                                   iat=int(time.time()) - 7200)),
        "other client": sign_rs256(moto_private_key(), {"alg": "RS256", "kid": "dummy"},
                                   dict(claims, aud="another-client")),
        "other pool": sign_rs256(moto_private_key(), {"alg": "RS256", "kid": "dummy"},
                                 dict(claims, iss=claims["iss"] + "x")),
        "access token": sign_rs256(moto_private_key(), {"alg": "RS256", "kid": "dummy"},
                                   dict(claims, token_use="access")),
        "garbage": "not.a.token",
        "huge": "a" * 20000 + ".b.c",
    }
    for what, forged in forgeries.items():
        f = Client(stack["serve"].base)
        r = f.post("/api/session", json=dict(id_token=forged))
        assert r.status_code == 401, (what, r.status_code, r.text)
        assert "session" not in f.cookies, what
        assert f.get("/api/me").status_code == 401, what
    # the checks themselves are right: moto's key and our claims make a working token
    good = sign_rs256(moto_private_key(), {"alg": "RS256", "kid": "dummy"},
                      dict(claims, exp=int(time.time()) + 600))
    assert Client(stack["serve"].base).post("/api/session",
                                            json=dict(id_token=good)).status_code == 200


# With Cognito, as in the seed, the owner is the pool's user name and no User item exists:
# the DynamoDB backend is opened with owners_external so it does not look for one.
def test_upload_is_owned_by_the_cognito_username(stack):
    c = Client(stack["serve"].base)
    email = f"dee-{uuid.uuid4().hex[:8]}@example.com"
    sign_up(c, email, "Dee")
    assert c.post("/api/session", json=dict(email=email, password=PASSWORD)).status_code == 200
    owner = pool_username(stack, email)
    r = c.post("/api/photos", files=[("file", ("a.jpg", jpeg(320, 240), "image/jpeg"))],
               data=dict(tags="sea", desc="first"))
    assert r.status_code == 201, r.text
    items = stack["ddb"].scan(TableName="Photo")["Items"]
    assert [i["user_id"]["S"] for i in items] == [owner]
    assert (stack["upload"] / email.replace("@", "_at_").replace(".", "_dot_")).is_dir()
    assert c.get("/api/photos").json()["photos"][0]["desc"] == "first"


def test_custom_endpoint_without_emulator_setting_is_aws(moto, aws_env, tmp_path, bins):
    """aws.endpoint alone (a VPC or FIPS endpoint) is AWS, not the stand-in: a sign-up
    waits for the emailed link (no AdminConfirmSignUp), the pool's keys are at the
    issuer and the hosted UI at amazoncognito.com is offered."""
    create_contract_tables(moto.client("dynamodb"))
    idp = moto.client("cognito-idp")
    pool, client = create_stage3_pool(idp)
    upload = tmp_path / "upload"
    upload.mkdir()
    cfg = write_cognito_config(tmp_path / "vpce.yaml", upload, pool["Id"], client["ClientId"],
                               client["ClientSecret"], moto.endpoint, emulator=None)
    serve = Serve(bins / "cloudalbum-serve", cfg, tmp_path, env=aws_env)
    try:
        c = Client(serve.base)
        email = f"vpce-{uuid.uuid4().hex[:8]}@example.com"
        body = sign_up(c, email)
        assert body["confirmed"] is False
        assert "Check your email" in body["message"]
        user = idp.admin_get_user(UserPoolId=pool["Id"], Username=email)
        assert user["UserStatus"] == "UNCONFIRMED"
        assert c.get("/api/config").json()["login_url"] == "/login"
        r = c.get("/login", allow_redirects=False)
        assert r.status_code == 302
        assert r.headers["Location"].startswith(
            "https://cloudalbum-test.auth.ap-southeast-1.amazoncognito.com/")
    finally:
        serve.stop()


def test_sign_out_and_password_change_revoke_sessions_at_stage_3(stack, bins, tmp_path, aws_env):
    """Issue 10: sign-out and a password change end sessions in every process sharing the
    tables (the revocation state is an item of the User table), and sign-out also ends the
    user's sessions at the pool: a refresh token it issued earlier is refused."""
    a = stack["serve"]
    b = Serve(bins / "cloudalbum-serve", a.out.parent / "cognito.yaml", tmp_path, env=aws_env)
    try:
        c = Client(a.base)
        email = f"rev-{uuid.uuid4().hex[:8]}@example.com"
        sign_up(c, email)
        assert c.post("/api/session", json=dict(email=email, password=PASSWORD)).status_code == 200
        stolen = c.cookies.get_dict()
        thief = Client(b.base)
        thief.cookies.update(stolen)
        assert thief.get("/api/me").status_code == 200
        elsewhere = Client(b.base)
        assert elsewhere.post("/api/session", json=dict(email=email, password=PASSWORD)
                              ).status_code == 200
        # a refresh token the pool issued to this user (the hosted UI or an SDK would hold one)
        tokens = stack["idp"].initiate_auth(
            ClientId=stack["client"], AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD,
                            "SECRET_HASH": secret_hash(stack["secret"], email, stack["client"])}
        )["AuthenticationResult"]
        assert c.delete("/api/session").status_code == 204
        for srv in (a, b):
            t = Client(srv.base)
            t.cookies.update(stolen)
            assert t.get("/api/me").status_code == 401
            assert t.get("/api/photos").status_code == 401
        assert elsewhere.get("/api/me").status_code == 200
        username = pool_username(stack, email)
        with pytest.raises(stack["idp"].exceptions.NotAuthorizedException):
            stack["idp"].initiate_auth(
                ClientId=stack["client"], AuthFlow="REFRESH_TOKEN_AUTH",
                AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"],
                                "SECRET_HASH": secret_hash(stack["secret"], username,
                                                           stack["client"])})
        # the state item sits in the guard table: the User table holds users only
        item = stack["ddb"].get_item(TableName="User-guard",
                                     Key={"id": {"S": f"session#{username}"}})
        assert "revoked" in item["Item"] and "email" not in item["Item"]
        assert "Item" not in stack["ddb"].get_item(TableName="User",
                                                   Key={"id": {"S": f"session#{username}"}})

        # a password change on a ends elsewhere's session on b; the changer keeps going
        c2 = Client(a.base)
        assert c2.post("/api/session", json=dict(email=email, password=PASSWORD)).status_code == 200
        r = c2.put("/api/me", json=dict(password="Newer-password-789", current_password=PASSWORD))
        assert r.status_code == 200, r.text
        assert elsewhere.get("/api/me").status_code == 401
        on_b = Client(b.base)
        on_b.cookies.update(c2.cookies.get_dict())
        assert on_b.get("/api/me").status_code == 200
    finally:
        b.stop()
