"""cloudalbum-serve signing in through a Cognito hosted UI (authorization-code grant with
PKCE). moto has no hosted UI, so a real OpenID Connect provider (the npm package
oidc-provider, tests/integration/oidc_provider.mjs) plays it, on Cognito's paths and with
Cognito's claims; the user pool itself (profiles, /api/me) and the tables stay on moto.
The browser is played by two requests sessions (one per site), following each redirect
by hand."""
import json
import os
import shutil
import signal
import subprocess
import uuid
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlparse

import pytest
import requests

import serve_helpers
from helpers import create_contract_tables, free_port, start, wait_http
from serve_helpers import Client, Serve, create_stage3_pool, jpeg, write_cognito_config

ROOT = Path(__file__).resolve().parents[2]
PROVIDER_SCRIPT = Path(__file__).with_name("oidc_provider.mjs")
NODE = shutil.which("node")
PASSWORD = "Password-123!"

pytestmark = pytest.mark.skipif(
    not NODE or not (ROOT / "node_modules" / "oidc-provider").is_dir(),
    reason="needs node and node_modules/oidc-provider (npm ci)")


class Browser(Client):
    """A Client whose GETs do not follow redirects (requests' get() would)."""

    def get(self, url, **kw):
        kw.setdefault("allow_redirects", False)
        return super().get(url, **kw)


class Provider:
    """One oidc_provider.mjs process on a free port."""

    def __init__(self, workdir, clients, users):
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        cfg = workdir / f"oidc-{self.port}.json"
        cfg.write_text(json.dumps(dict(port=self.port, clients=clients, users=users)))
        self.log = workdir / f"oidc-{self.port}.log"
        with open(self.log, "wb") as fh:
            self.proc = start([NODE, PROVIDER_SCRIPT, cfg], cwd=ROOT, stdout=fh,
                              stderr=subprocess.STDOUT, new_session=True)
        try:
            wait_http(self.issuer + "/.well-known/openid-configuration", timeout=30)
        except Exception:
            self.stop()
            raise AssertionError("the OIDC provider did not start:\n" + self.log.read_text())

    def next_id_token(self, **claims):
        r = requests.post(self.issuer + "/test/next-id-token", json=dict(claims=claims),
                          timeout=10)
        assert r.status_code == 204, r.text

    def logouts(self):
        return requests.get(self.issuer + "/test/logouts", timeout=10).json()

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
        self.proc.wait(timeout=10)


@pytest.fixture
def pool(moto):
    """A stage-3-shaped pool and app client on moto, with one confirmed user."""
    create_contract_tables(moto.client("dynamodb"))
    idp = moto.client("cognito-idp")
    p, c = create_stage3_pool(
        idp, AllowedOAuthFlows=["code"], AllowedOAuthScopes=["openid", "email", "profile"],
        AllowedOAuthFlowsUserPoolClient=True, SupportedIdentityProviders=["COGNITO"])
    email = f"ann-{uuid.uuid4().hex[:8]}@example.com"
    idp.admin_create_user(UserPoolId=p["Id"], Username=email, MessageAction="SUPPRESS",
                          UserAttributes=[{"Name": "email", "Value": email},
                                          {"Name": "email_verified", "Value": "true"},
                                          {"Name": "name", "Value": "Ann"}])
    idp.admin_set_user_password(UserPoolId=p["Id"], Username=email, Password=PASSWORD,
                                Permanent=True)
    username = idp.admin_get_user(UserPoolId=p["Id"], Username=email)["Username"]
    return dict(moto=moto, idp=idp, pool=p["Id"], client=c["ClientId"],
                secret=c["ClientSecret"], email=email, username=username)


@pytest.fixture
def stack(pool, aws_env, tmp_path, bins, monkeypatch):
    """The provider (as the hosted UI, issuer and JWKS) and a serve process using it."""
    serve_port = free_port()
    base = f"http://127.0.0.1:{serve_port}"
    provider = Provider(
        tmp_path,
        clients=[dict(client_id=pool["client"], client_secret=pool["secret"],
                      redirect_uris=[base + "/callback"], logout_uris=[base])],
        users=[dict(login="ann", sub=str(uuid.uuid4()), cognito_username=pool["username"],
                    email=pool["email"], name="Ann")])
    upload = tmp_path / "upload"
    upload.mkdir()
    cfg = write_cognito_config(tmp_path / "hostedui.yaml", upload, pool["pool"], pool["client"],
                               pool["secret"], pool["moto"].endpoint, base_url=base,
                               auth_extra=f"  hosted_ui_url: {provider.issuer}\n"
                                          f"  issuer: {provider.issuer}\n"
                                          f"  jwks_url: {provider.issuer}/.well-known/jwks.json\n")
    # serve must listen where the provider's client sends the browser back
    monkeypatch.setattr(serve_helpers, "free_port", lambda: serve_port)
    try:
        serve = Serve(bins / "cloudalbum-serve", cfg, tmp_path, env=aws_env)
    except BaseException:
        provider.stop()
        raise
    try:
        assert serve.base == base
        yield dict(pool, serve=serve, base=base, provider=provider, upload=upload)
    finally:
        try:
            serve.stop()
        finally:
            provider.stop()


def start_login(stack, browser):
    """GET /login; returns the authorize URL after checking it goes to the hosted UI."""
    r = browser.get("/login")
    assert r.status_code == 302, r.text
    loc = r.headers["Location"]
    assert loc.startswith(stack["provider"].issuer + "/oauth2/authorize?"), loc
    return loc


def through_hosted_ui(stack, authorize_url, login="ann", deny=False):
    """Plays the hosted UI's pages; returns the URL the provider sends the browser back to."""
    issuer, base = stack["provider"].issuer, stack["base"]
    idp = requests.Session()
    r = idp.get(authorize_url, allow_redirects=False, timeout=30)
    for _ in range(8):
        assert r.status_code in (302, 303), (r.status_code, r.text[:500])
        loc = urljoin(issuer, r.headers["Location"])
        if loc.startswith(base + "/"):
            return loc
        if urlparse(loc).path.startswith("/interaction/"):
            loc += "?deny=1" if deny else f"?login={login}"
        r = idp.get(loc, allow_redirects=False, timeout=30)
    raise AssertionError("the hosted UI never sent the browser back")


def path_of(url):
    u = urlparse(url)
    return u.path + ("?" + u.query if u.query else "")


def callback_url(stack, browser, **kw):
    return through_hosted_ui(stack, start_login(stack, browser), **kw)


def signed_in(stack, browser=None):
    browser = browser or Browser(stack["base"])
    back = callback_url(stack, browser)
    r = browser.get(path_of(back))
    assert r.status_code == 302, r.text
    assert r.headers["Location"] == "/#/album"
    return browser


def set_cookie_headers(r):
    return r.raw.headers.getlist("Set-Cookie")


def test_config_offers_the_hosted_sign_in(stack):
    r = Browser(stack["base"]).get("/api/config")
    assert r.status_code == 200
    assert r.json()["auth_kind"] == "cognito"
    assert r.json()["login_url"] == "/login"
    assert "max_upload_mb" in r.json()          # the rest of the answer is unchanged


def test_login_redirects_with_state_nonce_and_pkce(stack):
    browser = Browser(stack["base"])
    r = browser.get("/login")
    assert r.status_code == 302
    assert r.headers.get("Cache-Control") == "no-store"
    q = parse_qs(urlparse(r.headers["Location"]).query, strict_parsing=True)
    assert {k: v[0] for k, v in q.items() if k not in ("state", "nonce", "code_challenge")} == {
        "response_type": "code", "client_id": stack["client"],
        "redirect_uri": stack["base"] + "/callback", "scope": "openid email profile",
        "code_challenge_method": "S256"}
    assert len(q["state"][0]) >= 32 and len(q["nonce"][0]) >= 32
    assert len(q["code_challenge"][0]) == 43
    cookie = [c for c in set_cookie_headers(r) if c.startswith("oauth_attempt=")]
    assert len(cookie) == 1
    attrs = cookie[0].lower()
    assert "httponly" in attrs and "path=/callback" in attrs and "max-age=600" in attrs
    assert "samesite=lax" in attrs
    # the cookie is sealed: neither the state nor anything else readable in the clear
    assert q["state"][0] not in cookie[0]
    # two sign-ins never share secrets
    again = parse_qs(urlparse(Browser(stack["base"]).get("/login").headers["Location"]).query)
    assert again["state"] != q["state"] and again["code_challenge"] != q["code_challenge"]


def test_sign_in_through_the_hosted_ui(stack):
    browser = Browser(stack["base"])
    back = callback_url(stack, browser)
    q = parse_qs(urlparse(back).query)
    assert urlparse(back).path == "/callback" and q["code"] and q["state"]
    r = browser.get(path_of(back))
    assert r.status_code == 302, r.text
    assert r.headers["Location"] == "/#/album"
    cookies = set_cookie_headers(r)
    assert any(c.startswith("session=") and "HttpOnly" in c for c in cookies)
    assert any(c.startswith("csrf_token=") for c in cookies)
    assert any(c.startswith("oauth_attempt=") and "Max-Age=0" in c for c in cookies)
    me = browser.get("/api/me")
    assert me.status_code == 200, me.text
    assert me.json()["id"] == stack["username"]
    assert me.json()["email"] == stack["email"]
    # the session works for the API: an upload is owned by the cognito:username
    up = browser.upload([("a.jpg", jpeg())], tags="hosted")
    assert up.status_code == 201, up.text
    items = stack["moto"].client("dynamodb").scan(TableName="Photo")["Items"]
    assert [i["user_id"]["S"] for i in items] == [stack["username"]]
    listed = browser.get("/api/photos").json()["photos"]
    assert [p["tags"] for p in listed] == ["hosted"]


def test_callback_with_wrong_or_missing_state_is_refused(stack):
    browser = Browser(stack["base"])
    back = callback_url(stack, browser)
    q = parse_qs(urlparse(back).query)
    code, state = q["code"][0], q["state"][0]
    cases = [
        f"/callback?code={code}&state={state[:-1]}{'A' if state[-1] != 'A' else 'B'}",
        f"/callback?code={code}",
        f"/callback?state={state}",
        f"/callback?code={code}&state=",
    ]
    for path in cases:
        r = browser.get(path)
        assert r.status_code == 400, (path, r.text)
        assert r.json()["error"] == "bad_request"
        assert "sign" in r.json()["message"].lower()
        assert not any(c.startswith("session=") for c in set_cookie_headers(r))
    # a browser that did not start this sign-in (no attempt cookie) cannot finish it
    stranger = Browser(stack["base"])
    r = stranger.get(path_of(back))
    assert r.status_code == 400
    assert not any(c.startswith("session=") for c in set_cookie_headers(r))
    assert stranger.get("/api/me").status_code == 401
    # a browser asking for a page gets one
    r = stranger.get(path_of(back), headers={"Accept": "text/html"})
    assert r.status_code == 400
    assert r.headers["Content-Type"].startswith("text/html")
    assert "Sign-in did not complete" in r.text and "/#/signin" in r.text


def test_replayed_code_is_refused(stack):
    browser = Browser(stack["base"])
    back = callback_url(stack, browser)
    attempt = browser.cookies.get("oauth_attempt")
    assert attempt
    assert browser.get(path_of(back)).status_code == 302
    # the same answer again, even with the attempt cookie kept by an attacker
    replay = Browser(stack["base"])
    replay.cookies.set("oauth_attempt", attempt)
    r = replay.get(path_of(back))
    assert r.status_code == 400, r.text
    assert "sign in again" in r.json()["message"]
    assert not any(c.startswith("session=") for c in set_cookie_headers(r))
    assert replay.get("/api/me").status_code == 401


@pytest.mark.parametrize("claims", [
    {"iss": "http://127.0.0.1:1/another-pool"},
    {"aud": "another-app-client"},
    {"nonce": "not-the-nonce-of-this-sign-in"},
    {"exp": 1000000000},
    {"token_use": "access"},
], ids=["issuer", "audience", "nonce", "expired", "token_use"])
def test_id_token_that_does_not_fit_is_refused(stack, claims):
    """The provider's own key signs these, so only the claim checks can stop them."""
    browser = Browser(stack["base"])
    back = callback_url(stack, browser)
    stack["provider"].next_id_token(**claims)
    r = browser.get(path_of(back))
    assert r.status_code == 400, r.text
    assert not any(c.startswith("session=") for c in set_cookie_headers(r))
    assert browser.get("/api/me").status_code == 401
    assert "hosted UI sign-in refused" in stack["serve"].stderr()


def test_callback_naming_another_issuer_is_refused(stack):
    browser = Browser(stack["base"])
    back = callback_url(stack, browser)
    assert parse_qs(urlparse(back).query)["iss"] == [stack["provider"].issuer]
    r = browser.get(path_of(back).replace("iss=http", "iss=https"))
    assert r.status_code == 400
    assert "another sign-in service" in r.json()["message"]
    assert browser.get("/api/me").status_code == 401


def test_declined_sign_in_says_so(stack):
    browser = Browser(stack["base"])
    back = callback_url(stack, browser, deny=True)
    assert parse_qs(urlparse(back).query)["error"] == ["access_denied"]
    r = browser.get(path_of(back))
    assert r.status_code == 403
    assert "cancelled" in r.json()["message"]
    assert browser.get("/api/me").status_code == 401


def test_error_text_from_the_callback_is_not_echoed(stack):
    r = Browser(stack["base"]).get("/callback?error=%3Cscript%3Ealert(1)%3C/script%3E"
                                  "&error_description=call+0800-SCAM",
                                  headers={"Accept": "text/html"})
    assert r.status_code == 502
    assert "<script>" not in r.text and "SCAM" not in r.text


def test_logout_ends_both_sessions(stack):
    browser = signed_in(stack)
    r = browser.get("/logout")
    assert r.status_code == 302
    loc = r.headers["Location"]
    assert urlparse(loc).path == "/logout"
    assert loc.startswith(stack["provider"].issuer + "/")
    assert parse_qs(urlparse(loc).query) == {"client_id": [stack["client"]],
                                             "logout_uri": [stack["base"]]}
    assert any(c.startswith("session=") and "Max-Age=0" in c for c in set_cookie_headers(r))
    assert browser.get("/api/me").status_code == 401
    # the hosted UI accepts it (logout_uri is the client's sign-out URL) and comes back
    back = requests.get(loc, allow_redirects=False, timeout=10)
    assert back.status_code == 302
    assert back.headers["Location"].rstrip("/") == stack["base"]
    assert stack["provider"].logouts() == [dict(client_id=stack["client"],
                                                logout_uri=stack["base"])]


def test_api_sign_out_names_the_hosted_ui_logout(stack):
    browser = signed_in(stack)
    assert browser.delete("/api/session", csrf=False).status_code == 403
    r = browser.delete("/api/session")
    assert r.status_code == 200, r.text
    url = r.json()["logout_url"]
    assert url.startswith(stack["provider"].issuer + "/logout?")
    assert parse_qs(urlparse(url).query)["logout_uri"] == [stack["base"]]
    assert browser.get("/api/me").status_code == 401


def test_no_hosted_ui_on_the_stand_in_alone(pool, aws_env, tmp_path, bins):
    """Without a hosted_ui_url the derived amazoncognito.com address is not offered:
    moto has no hosted UI."""
    upload = tmp_path / "upload"
    upload.mkdir()
    cfg = write_cognito_config(tmp_path / "plain.yaml", upload, pool["pool"], pool["client"],
                               pool["secret"], pool["moto"].endpoint,
                               base_url="http://127.0.0.1:9")
    serve = Serve(bins / "cloudalbum-serve", cfg, tmp_path, env=aws_env)
    try:
        c = Browser(serve.base)
        conf = c.get("/api/config").json()
        assert conf["auth_kind"] == "cognito" and "login_url" not in conf
        assert c.get("/login").status_code != 302
        assert c.get("/callback?code=x&state=y").status_code != 400
    finally:
        serve.stop()
