"""The credentials chain, region order and `cloudalbum-aws configure-list`, end to end.

Sources: the environment, the shared files (~/.aws/credentials, ~/.aws/config, profiles,
AWS_PROFILE, AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE) and the EC2 instance profile
through IMDSv2, served by the moto fixture (its /latest/... endpoint hands out
test-key / test-secret-key / test-session-token for the role default-role).
"""
import os
import socket
import time

import pytest

from helpers import free_port, run

ENV_KEY = "AKIAENVEXAMPLE0001"
ENV_SECRET = "envSecretKeyExample/0000000000000000ENV1"
FILE_KEY = "AKIAFILEEXAMPLE0002"
FILE_SECRET = "fileSecretKeyExample/000000000000000FIL2"


@pytest.fixture
def base_env(tmp_path):
    """No AWS settings at all, a fresh HOME, and the metadata service switched off."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["HOME"] = str(tmp_path)
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    (tmp_path / ".aws").mkdir()
    return env


def configure_list(bins, env, *args):
    p = run([bins / "cloudalbum-aws", "configure-list", *args], env=env, check=False,
            timeout=60)
    assert p.returncode in (0, 1, 2), f"crashed or odd exit {p.returncode}: {p.stderr}"
    rows = {}
    for line in p.stdout.splitlines()[2:]:
        # "<not set>" is the one value with a blank in it
        name, value, kind, location = (line.replace("<not set>", "<not_set>")
                                       .split(None, 3) + [""])[:4]
        rows[name] = (value.replace("<not_set>", "<not set>"), kind, location)
    return p, rows


def masked(secret):
    return "*" * 16 + secret[-4:]


def one_sentence(stderr):
    lines = [l for l in stderr.splitlines() if l.strip()]
    assert len(lines) == 1, f"expected one sentence on stderr, got: {stderr!r}"
    return lines[0]


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


# ---- the environment source ----

def test_env_credentials_with_session_token(bins, base_env):
    base_env.update(AWS_ACCESS_KEY_ID=ENV_KEY, AWS_SECRET_ACCESS_KEY=ENV_SECRET,
                    AWS_SESSION_TOKEN="envSessionToken-abcd", AWS_REGION="ap-southeast-1")
    p, rows = configure_list(bins, base_env)
    assert p.returncode == 0, p.stderr
    assert p.stderr == ""
    assert rows["access_key"] == (masked(ENV_KEY), "env", "AWS_ACCESS_KEY_ID")
    assert rows["secret_key"] == (masked(ENV_SECRET), "env", "AWS_SECRET_ACCESS_KEY")
    assert rows["token"] == (masked("abcd"), "env", "AWS_SESSION_TOKEN")
    assert rows["region"] == ("ap-southeast-1", "env", "AWS_REGION")
    assert rows["profile"][0] == "<not set>"
    # the full secrets never appear
    assert ENV_SECRET not in p.stdout and ENV_KEY not in p.stdout


def test_half_a_key_pair_is_an_error(bins, base_env):
    base_env.update(AWS_ACCESS_KEY_ID=ENV_KEY, AWS_REGION="ap-southeast-1")
    p, rows = configure_list(bins, base_env)
    assert p.returncode == 1
    assert "AWS_SECRET_ACCESS_KEY" in one_sentence(p.stderr)


# ---- the shared files ----

def test_default_profile_from_credentials_file(bins, base_env, tmp_path):
    write(tmp_path / ".aws/credentials",
          f"[default]\naws_access_key_id = {FILE_KEY}\naws_secret_access_key = {FILE_SECRET}\n")
    write(tmp_path / ".aws/config", "[default]\nregion = eu-west-1\n")
    p, rows = configure_list(bins, base_env)
    assert p.returncode == 0, p.stderr
    cred_path = str(tmp_path / ".aws/credentials")
    assert rows["access_key"] == (masked(FILE_KEY), "shared-credentials-file", cred_path)
    assert rows["secret_key"] == (masked(FILE_SECRET), "shared-credentials-file", cred_path)
    assert rows["token"][0] == "<not set>"
    assert rows["region"] == ("eu-west-1", "config-file", str(tmp_path / ".aws/config"))


def test_aws_profile_and_session_token_from_file(bins, base_env, tmp_path):
    write(tmp_path / ".aws/credentials",
          f"[default]\naws_access_key_id = {FILE_KEY}\naws_secret_access_key = {FILE_SECRET}\n"
          "[work]\naws_access_key_id = AKIAWORKEXAMPLE0003\n"
          "aws_secret_access_key = workSecret000000000000000000000000000W3\n"
          "aws_session_token = workSessionToken-wxyz\n")
    write(tmp_path / ".aws/config",
          "[default]\nregion = eu-west-1\n[profile work]\nregion = us-west-2\n")
    base_env["AWS_PROFILE"] = "work"
    p, rows = configure_list(bins, base_env)
    assert p.returncode == 0, p.stderr
    assert rows["profile"] == ("work", "env", "AWS_PROFILE")
    assert rows["access_key"][0] == masked("AKIAWORKEXAMPLE0003")
    assert rows["token"] == (masked("wxyz"), "shared-credentials-file",
                             str(tmp_path / ".aws/credentials"))
    assert rows["region"][0] == "us-west-2"
    # --profile overrides AWS_PROFILE
    p, rows = configure_list(bins, base_env, "--profile", "default")
    assert p.returncode == 0, p.stderr
    assert rows["profile"] == ("default", "manual", "--profile")
    assert rows["access_key"][0] == masked(FILE_KEY)
    assert rows["region"][0] == "eu-west-1"


def test_files_named_by_variables_and_credentials_in_config(bins, base_env, tmp_path):
    creds = tmp_path / "elsewhere" / "creds.ini"
    conf = tmp_path / "elsewhere" / "conf.ini"
    write(creds, "[other]\naws_access_key_id = X\naws_secret_access_key = Y\n")
    write(conf, "[profile team]\nregion = ca-central-1\n"
                "aws_access_key_id = AKIACONFEXAMPLE0004\n"
                "aws_secret_access_key = confSecret00000000000000000000000000C4\n"
                "aws_session_token = confToken-c0nf\n")
    # the default files exist too, and must be ignored
    write(tmp_path / ".aws/credentials",
          "[team]\naws_access_key_id = WRONG\naws_secret_access_key = WRONG\n")
    base_env.update(AWS_SHARED_CREDENTIALS_FILE=str(creds), AWS_CONFIG_FILE=str(conf),
                    AWS_PROFILE="team")
    p, rows = configure_list(bins, base_env)
    assert p.returncode == 0, p.stderr
    assert rows["access_key"] == (masked("AKIACONFEXAMPLE0004"), "config-file", str(conf))
    assert rows["token"] == (masked("c0nf"), "config-file", str(conf))
    assert rows["region"] == ("ca-central-1", "config-file", str(conf))


def test_unknown_profile_is_one_sentence(bins, base_env, tmp_path):
    write(tmp_path / ".aws/credentials",
          f"[default]\naws_access_key_id = {FILE_KEY}\naws_secret_access_key = {FILE_SECRET}\n")
    base_env.update(AWS_PROFILE="nosuch", AWS_REGION="ap-southeast-1")
    p, rows = configure_list(bins, base_env)
    assert p.returncode == 1
    msg = one_sentence(p.stderr)
    assert "nosuch" in msg and "AWS_PROFILE" in msg
    assert rows["access_key"][0] == "<not set>"


@pytest.mark.parametrize("text,line", [
    ("[default\naws_access_key_id = X\n", 1),
    ("[default]\naws_access_key_id = X\nthis line has no equals sign\n", 3),
    ("aws_access_key_id = X\n", 1),
    ("[default]\naws_access_key_id = X\0Y\n", 2),
    ("[default]\naws_access_key_id = " + "K" * 20000 + "\n", 2),
])
def test_bad_credentials_file_is_one_sentence(bins, base_env, tmp_path, text, line):
    path = tmp_path / ".aws/credentials"
    write(path, text)
    base_env["AWS_REGION"] = "ap-southeast-1"
    p, rows = configure_list(bins, base_env)
    assert p.returncode == 1
    msg = one_sentence(p.stderr)
    assert f"{path} line {line}" in msg
    assert rows["access_key"][0] == "<not set>"
    assert rows["region"][0] == "ap-southeast-1"


def test_binary_garbage_credentials_file(bins, base_env, tmp_path):
    (tmp_path / ".aws/credentials").write_bytes(bytes(range(256)) * 40)
    base_env["AWS_REGION"] = "ap-southeast-1"
    p, _ = configure_list(bins, base_env)
    assert p.returncode == 1
    assert str(tmp_path / ".aws/credentials") in one_sentence(p.stderr)


def test_half_a_key_pair_in_a_file_names_the_line(bins, base_env, tmp_path):
    write(tmp_path / ".aws/credentials", "[default]\n\naws_access_key_id = ONLY\n")
    base_env["AWS_REGION"] = "ap-southeast-1"
    p, _ = configure_list(bins, base_env)
    assert p.returncode == 1
    msg = one_sentence(p.stderr)
    assert "line 3" in msg and "aws_secret_access_key" in msg


# ---- the instance profile (IMDSv2 on moto) ----

def test_instance_profile_through_imds(bins, base_env, moto):
    base_env.pop("AWS_EC2_METADATA_DISABLED")
    base_env.update(AWS_EC2_METADATA_SERVICE_ENDPOINT=moto.endpoint, AWS_REGION="us-east-1")
    p, rows = configure_list(bins, base_env)
    assert p.returncode == 0, p.stderr
    assert rows["secret_key"][:2] == (masked("test-secret-key"), "iam-role")
    assert rows["token"][:2] == (masked("test-session-token"), "iam-role")
    assert rows["access_key"][1] == "iam-role"
    location = rows["access_key"][2]
    assert "default-role" in location and moto.endpoint in location
    assert "expires" in location


def test_metadata_disabled_skips_imds(bins, base_env, moto):
    base_env.update(AWS_EC2_METADATA_SERVICE_ENDPOINT=moto.endpoint, AWS_REGION="us-east-1",
                    AWS_EC2_METADATA_DISABLED="true")
    p, rows = configure_list(bins, base_env)
    assert p.returncode == 1
    assert "AWS_EC2_METADATA_DISABLED" in one_sentence(p.stderr)
    assert rows["access_key"][0] == "<not set>"


def test_unreachable_metadata_service_is_one_sentence(bins, base_env):
    port = free_port()  # bound and released again: nothing listens there
    base_env.pop("AWS_EC2_METADATA_DISABLED")
    base_env.update(AWS_EC2_METADATA_SERVICE_ENDPOINT=f"http://127.0.0.1:{port}",
                    AWS_REGION="ap-southeast-1")
    p, rows = configure_list(bins, base_env)
    assert p.returncode == 1
    msg = one_sentence(p.stderr)
    assert f"127.0.0.1:{port}" in msg and "could not be reached" in msg
    assert rows["access_key"][0] == "<not set>"


def test_silent_metadata_service_gives_up_within_its_timeouts(bins, base_env):
    """A service that accepts connections and never answers: the SDKs' bounded timeouts
    (2 s per request, one retry) must end the wait. The ceiling is generous; it only
    fails when the timeouts are missing, not when the machine is slow."""
    with socket.socket() as srv:
        srv.bind(("127.0.0.1", 0))
        srv.listen(16)  # never accepted: the kernel completes handshakes, nobody answers
        port = srv.getsockname()[1]
        base_env.pop("AWS_EC2_METADATA_DISABLED")
        base_env.update(AWS_EC2_METADATA_SERVICE_ENDPOINT=f"http://127.0.0.1:{port}",
                        AWS_REGION="ap-southeast-1")
        start = time.monotonic()
        p, _ = configure_list(bins, base_env)
        elapsed = time.monotonic() - start
    assert p.returncode == 1
    msg = one_sentence(p.stderr)
    assert "did not answer" in msg
    assert elapsed < 30, f"IMDS wait took {elapsed:.1f}s"


def test_bad_metadata_endpoint_url(bins, base_env):
    base_env.pop("AWS_EC2_METADATA_DISABLED")
    base_env.update(AWS_EC2_METADATA_SERVICE_ENDPOINT="169.254.169.254",
                    AWS_REGION="ap-southeast-1")
    p, _ = configure_list(bins, base_env)
    assert p.returncode == 1
    assert "AWS_EC2_METADATA_SERVICE_ENDPOINT" in one_sentence(p.stderr)


# ---- precedence: env beats files beats IMDS ----

def test_precedence(bins, base_env, tmp_path, moto):
    base_env.pop("AWS_EC2_METADATA_DISABLED")
    base_env.update(AWS_EC2_METADATA_SERVICE_ENDPOINT=moto.endpoint, AWS_REGION="us-east-1")
    write(tmp_path / ".aws/credentials",
          f"[default]\naws_access_key_id = {FILE_KEY}\naws_secret_access_key = {FILE_SECRET}\n")
    env_too = dict(base_env, AWS_ACCESS_KEY_ID=ENV_KEY, AWS_SECRET_ACCESS_KEY=ENV_SECRET)
    _, rows = configure_list(bins, env_too)
    assert rows["access_key"][:2] == (masked(ENV_KEY), "env")
    _, rows = configure_list(bins, base_env)
    assert rows["access_key"][:2] == (masked(FILE_KEY), "shared-credentials-file")
    (tmp_path / ".aws/credentials").unlink()
    _, rows = configure_list(bins, base_env)
    assert rows["access_key"][1] == "iam-role"


# ---- region ----

def test_region_order(bins, base_env, tmp_path):
    base_env.update(AWS_ACCESS_KEY_ID=ENV_KEY, AWS_SECRET_ACCESS_KEY=ENV_SECRET)
    write(tmp_path / ".aws/config", "[default]\nregion = eu-north-1\n")
    _, rows = configure_list(bins, base_env)
    assert rows["region"][:2] == ("eu-north-1", "config-file")
    _, rows = configure_list(bins, dict(base_env, AWS_DEFAULT_REGION="us-west-1"))
    assert rows["region"] == ("us-west-1", "env", "AWS_DEFAULT_REGION")
    _, rows = configure_list(bins, dict(base_env, AWS_DEFAULT_REGION="us-west-1",
                                        AWS_REGION="ap-northeast-1"))
    assert rows["region"] == ("ap-northeast-1", "env", "AWS_REGION")


def test_missing_region_is_one_sentence(bins, base_env):
    base_env.update(AWS_ACCESS_KEY_ID=ENV_KEY, AWS_SECRET_ACCESS_KEY=ENV_SECRET)
    p, rows = configure_list(bins, base_env)
    assert p.returncode == 1
    assert "AWS_REGION" in one_sentence(p.stderr)
    assert rows["region"] == ("<not set>", "None", "None")
    assert rows["access_key"][1] == "env"


def test_malformed_region_value(bins, base_env):
    base_env.update(AWS_ACCESS_KEY_ID=ENV_KEY, AWS_SECRET_ACCESS_KEY=ENV_SECRET,
                    AWS_REGION="us-east-1.evil.example/")
    p, _ = configure_list(bins, base_env)
    assert p.returncode == 1
    assert "AWS_REGION" in one_sentence(p.stderr)


# ---- usage ----

def test_help_and_bad_usage(bins, base_env):
    p = run([bins / "cloudalbum-aws", "configure-list", "--help"], env=base_env)
    assert "usage: cloudalbum-aws configure-list" in p.stdout
    p = run([bins / "cloudalbum-aws", "configure-list", "--bogus"], env=base_env, check=False)
    assert p.returncode == 2 and "--bogus" in p.stderr
    p = run([bins / "cloudalbum-aws", "configure-list", "extra"], env=base_env, check=False)
    assert p.returncode == 2
