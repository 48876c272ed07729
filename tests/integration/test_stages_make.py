"""scripts/stage.sh N (what `make stage-N` runs) from nothing against the local target,
twice, for the highest N whose binaries 0..N are built."""
import os
import stat

import yaml

from helpers import run
from stage_helpers import NAMES, ROOT, stage_bin


def highest_stage(bins):
    n = -1
    while n + 1 < len(NAMES) and stage_bin(bins, n + 1).exists():
        n += 1
    return n


def test_make_stage_twice_and_the_serve_config(bins, moto, aws_env, tmp_path):
    n = highest_stage(bins)
    assert n >= 1, "stage-0-iam and stage-1-dynamodb must be built"
    gen = tmp_path / "generated"
    env = dict(aws_env, CA_BIN=str(bins), MOTO_PORT=str(moto.port), TARGET="local",
               CA_STATE_DIR=str(tmp_path / "state"), GENERATED_DIR=str(gen))
    env.pop("CLOUDALBUM_SESSION_SECRET", None)
    first = run([ROOT / "scripts/stage.sh", n], env=env, timeout=600)
    assert "created" in first.stdout
    ddb, iam = moto.client("dynamodb"), moto.client("iam")
    tables = sorted(ddb.list_tables()["TableNames"])
    roles = len(iam.list_roles()["Roles"])
    second = run([ROOT / "scripts/stage.sh", n], env=env, timeout=600)
    assert "created" not in second.stdout and "updated" not in second.stdout
    assert sorted(ddb.list_tables()["TableNames"]) == tables == ["Photo", "User", "User-guard"]
    assert len(iam.list_roles()["Roles"]) == roles == 1

    out = gen / "local" / f"stage-{n}.yaml"
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert os.readlink(gen / "current.yaml") == f"local/stage-{n}.yaml"
    text = out.read_text()
    assert "${" not in text
    cfg = yaml.safe_load(text)
    assert cfg["stage"] == n
    assert cfg["database"] == {"kind": "dynamodb", "user_table": "User", "photo_table": "Photo"}
    assert len(cfg["server"]["session_secret"]) == 64
    assert cfg["aws"]["endpoint"] == moto.endpoint
    if n >= 3:
        pools = moto.client("cognito-idp").list_user_pools(MaxResults=10)["UserPools"]
        assert cfg["auth"]["user_pool_id"] == pools[0]["Id"]
        assert cfg["auth"]["client_id"] and cfg["auth"]["client_secret"]
    # the session secret is made once per target and kept
    assert yaml.safe_load((gen / "current.yaml").read_text())["server"]["session_secret"] == \
        (tmp_path / "state" / "local" / "session_secret").read_text().strip()


def test_serve_config_needs_every_stage_applied(bins, moto, aws_env, tmp_path):
    env = dict(aws_env, MOTO_PORT=str(moto.port), CA_STATE_DIR=str(tmp_path / "state"))
    p = run([stage_bin(bins, 0), "serve-config", "--config",
             ROOT / "lab-configs/local/stage-1.yaml", "--generated-dir", tmp_path / "gen"],
            env=env, check=False)
    assert p.returncode == 1
    assert "stage 0 has no outputs" in p.stderr and "make stage-1" in p.stderr
    assert not (tmp_path / "gen").exists()
