"""Helpers for the stage binaries' tests (test_stage*.py)."""
import json
import os
import shutil
from pathlib import Path

from helpers import run

ROOT = Path(__file__).resolve().parents[2]
# the stages' names by number, from lib/config/stages.def (scripts/stages.sh reads it)
NAMES = [line.split()[1] for line in
         run([ROOT / "scripts" / "stages.sh"]).stdout.splitlines()]


def stage_bin(bins, n):
    return Path(bins) / f"stage-{n}-{NAMES[n]}"


def stage_env(aws_env, moto, tmp_path, **extra):
    """aws_env plus a private state directory and the moto port for ${MOTO_PORT}."""
    env = dict(aws_env, CA_STATE_DIR=str(tmp_path / "state"), MOTO_PORT=str(moto.port))
    env.update(extra)
    return env


def config(tmp_path, stage=1, edit=None, target="local", name=None):
    """A copy of lab-configs/<target>/stage-N.yaml under tmp_path/<target>/, edited by
    edit(text) -> text, so the target is still derived from the path."""
    text = (ROOT / "lab-configs" / target / f"stage-{stage}.yaml").read_text()
    if edit:
        text = edit(text)
    d = tmp_path / "cfg" / target
    d.mkdir(parents=True, exist_ok=True)
    p = d / (name or f"stage-{stage}.yaml")
    p.write_text(text)
    return p


def stage(bins, n, verb, cfg, env, *args, check=None):
    """Runs stage-N <verb>; check=None means: plan may exit 0 or 2, others must exit 0."""
    p = run([stage_bin(bins, n), verb, "--config", cfg, *args], env=env, check=False,
            timeout=300)
    ok = (0, 2) if (check is None and verb == "plan") else (0,)
    if check is None and p.returncode not in ok:
        raise AssertionError(f"stage-{n} {verb} exited {p.returncode}\n{p.stdout}\n{p.stderr}")
    return p


def state(tmp_path, target="local"):
    return json.loads((tmp_path / "state" / target / "state.json").read_text())


def make_standin(moto, name="aws-cloud9-workshop-local-standin"):
    ec2 = moto.client("ec2")
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    r = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType="t2.micro",
                          TagSpecifications=[{"ResourceType": "instance",
                                              "Tags": [{"Key": "Name", "Value": name}]}])
    return r["Instances"][0]["InstanceId"]


def one_error_line(p):
    """The binary failed with exactly one line on stderr naming the program."""
    lines = [l for l in p.stderr.splitlines() if l.strip()]
    assert p.returncode == 1, (p.returncode, p.stdout, p.stderr)
    assert len(lines) == 1, p.stderr
    assert lines[0].startswith("stage-"), lines[0]
    return lines[0]
