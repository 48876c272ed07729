"""Helpers for the stage 2-4 integration tests: a lab config copied into a temporary
target directory, and a runner for one stage binary against it."""
import json
import re
from pathlib import Path

from helpers import run

ROOT = Path(__file__).resolve().parents[2]


class Stage:
    """One stage binary, one config file under <tmp>/local/, one state directory."""

    def __init__(self, bins, binary, config, state_dir, env):
        self.bin = Path(bins) / binary
        self.config = Path(config)
        self.state_dir = Path(state_dir)
        self.env = env

    def run(self, verb, *args, env=None, check=False):
        e = dict(self.env)
        e.update(env or {})
        return run([self.bin, verb, "--config", self.config, "--state-dir", self.state_dir,
                    *args], env=e, check=check)

    def ok(self, verb, *args, env=None):
        p = self.run(verb, *args, env=env)
        assert p.returncode == 0, f"{verb} exited {p.returncode}\n{p.stdout}\n{p.stderr}"
        return p

    def outputs(self, *args):
        return json.loads(self.ok("outputs", "--json", *args).stdout)

    def state(self):
        path = self.state_dir / "local" / "state.json"
        return json.loads(path.read_text()) if path.exists() else None


def lab_config(tmp_path, n, edit=None):
    """lab-configs/local/stage-N.yaml copied to <tmp>/local/, edit(text) -> text applied."""
    text = (ROOT / "lab-configs" / "local" / f"stage-{n}.yaml").read_text()
    if edit:
        text = edit(text)
    d = tmp_path / "local"
    d.mkdir(exist_ok=True)
    path = d / f"stage-{n}.yaml"
    path.write_text(text)
    return path


def set_key(text, key, value):
    """Replaces the value of the first line `<indent>key: ...` (comment dropped)."""
    new, n = re.subn(rf"(?m)^(\s*){re.escape(key)}:.*$", lambda m: f"{m.group(1)}{key}: {value}",
                     text, count=1)
    assert n == 1, f"no key {key} in the config"
    return new


def one_error_line(p, *needles):
    """The run failed with exactly one line on stderr that contains every needle."""
    assert p.returncode == 1, f"exit {p.returncode}\n{p.stdout}\n{p.stderr}"
    lines = [l for l in p.stderr.splitlines() if l.strip()]
    assert len(lines) == 1, p.stderr
    for n in needles:
        assert n in lines[0], f"{n!r} not in {lines[0]!r}"
    return lines[0]


def unreachable_env(free_port):
    """Every AWS call to a loopback port nobody listens on, retried quickly."""
    return {"AWS_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}", "AWS_MAX_ATTEMPTS": "2",
            "CA_AWS_CONNECT_TIMEOUT_MS": "500"}
