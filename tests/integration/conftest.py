"""Shared fixtures for the integration tests.

- `bins`: where the binaries under test are ($CA_BIN; plain or sanitizer build).
- `moto`: one moto server per test session on a free loopback port; `aws` resets it
  before each test so tests never share AWS state by accident.
- `mysql_db`: a fresh MariaDB database per test, dropped afterwards.
"""
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from helpers import free_port, fresh_mysql_database, start, wait_http

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent


@pytest.fixture(scope="session")
def bins():
    d = Path(os.environ.get("CA_BIN", ROOT / "bin"))
    assert d.is_dir(), f"no binaries in {d}: run make first"
    return d


class Moto:
    def __init__(self, port, proc):
        self.port = port
        self.proc = proc
        self.endpoint = f"http://127.0.0.1:{port}"

    def reset(self):
        req = urllib.request.Request(self.endpoint + "/moto-api/reset", method="POST", data=b"")
        urllib.request.urlopen(req, timeout=10).read()

    def set_auth(self, on):
        """Turn moto's signature and IAM policy checking on (True) or off (False)."""
        req = urllib.request.Request(
            self.endpoint + "/moto-api/reset-auth", method="POST",
            data=b"0" if on else b"inf", headers={"Content-Type": "text/plain"})
        urllib.request.urlopen(req, timeout=10).read()

    def client(self, service, region="ap-southeast-1", **kw):
        import boto3
        kw.setdefault("aws_access_key_id", "testing")
        kw.setdefault("aws_secret_access_key", "testing")
        return boto3.client(service, region_name=region, endpoint_url=self.endpoint, **kw)


@pytest.fixture(scope="session")
def moto_server(tmp_path_factory):
    port = free_port()
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    env = dict(os.environ, MOTO_COGNITO_IDP_USER_POOL_ID_STRATEGY="HASH")
    with open(log, "wb") as fh:
        # scripts/moto-server.py: moto_server, kept to AWS's behaviour where the toolkit needs it
        proc = start([VENV_BIN / "python", ROOT / "scripts" / "moto-server.py",
                      "-H", "127.0.0.1", "-p", port],
                     env=env, stdout=fh, stderr=subprocess.STDOUT, new_session=True)
    try:
        wait_http(f"http://127.0.0.1:{port}/moto-api/")
        yield Moto(port, proc)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)


@pytest.fixture
def moto(moto_server):
    moto_server.set_auth(False)
    moto_server.reset()
    yield moto_server
    moto_server.set_auth(False)


@pytest.fixture
def aws_env(moto, tmp_path):
    """An environment for our binaries that points every AWS call at moto and
    ignores the developer's own ~/.aws files."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(HOME=str(tmp_path), AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
               AWS_REGION="ap-southeast-1", AWS_ENDPOINT_URL=moto.endpoint,
               AWS_EC2_METADATA_DISABLED="true")
    return env


@pytest.fixture
def mysql_db():
    """A fresh database; yields (name, url)."""
    with fresh_mysql_database("ca_test_") as (name, url):
        yield name, url


def pytest_terminal_summary(terminalreporter):
    """The wire audit's summary line (test_wire_audit.py), when it ran in this session."""
    audit = sys.modules.get("audit_check")
    for line in getattr(audit, "SUMMARIES", []):
        terminalreporter.write_line(line)
