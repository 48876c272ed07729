"""Running the backends' Check test binaries against the session's moto server,
so that boto3 can be the independent reader and writer of what they touch."""
import os
import re
from pathlib import Path

import pytest

from helpers import run

ROOT = Path(__file__).resolve().parents[2]


def check_binary(name):
    """The unit-test binary `name` of the build whose binaries are in $CA_BIN
    (build/X/bin -> build/X/tests; the default bin/ -> build/tests)."""
    bins = Path(os.environ.get("CA_BIN", ROOT / "bin")).resolve()
    for cand in (bins.parent / "tests" / name, ROOT / "build" / "tests" / name):
        if cand.is_file() and os.access(cand, os.X_OK):
            return cand
    pytest.fail(f"no unit-test binary {name} next to {bins}: build the unit tests first "
                f"(make unit, or make BUILD=... build/.../tests/{name})")


def run_case(name, case, moto, env_extra):
    """Runs one Check tcase of binary `name` against moto; asserts that it passed."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(CA_TEST_MOTO=moto.endpoint, CK_RUN_CASE=case, CK_FORK="yes",
               AWS_EC2_METADATA_DISABLED="true")
    env.update(env_extra)
    p = run([check_binary(name)], env=env, check=False, timeout=300)
    m = re.search(r"100%: Checks: (\d+)", p.stdout)
    assert p.returncode == 0 and m and int(m.group(1)) >= 1, \
        f"{name} {case} failed\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}"
    return p
