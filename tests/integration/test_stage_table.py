"""The stages are listed once, in lib/config/stages.def: the Makefile's stage targets,
scripts/stage.sh and the C table the stage binaries carry all give the same list."""
import re

from helpers import run
from stage_helpers import ROOT


def rows():
    """(number, name) pairs as scripts/stages.sh reads them from the one list."""
    out = run([ROOT / "scripts" / "stages.sh"]).stdout.split("\n")
    return [(int(n), name) for n, name in (line.split() for line in out if line)]


def test_the_list_is_the_def_file():
    text = (ROOT / "lib" / "config" / "stages.def").read_text()
    written = re.findall(r"^STAGE\((\d+), *(\w+),", text, re.M)
    assert [(int(n), name) for n, name in written] == rows()
    assert [n for n, _ in rows()] == list(range(len(rows())))
    assert ("0", "iam") == written[0]      # the lab starts from the legacy set-up


def test_makefile_targets_follow_the_list():
    stages = run(["make", "-s", "--no-print-directory", "-C", ROOT, "list-stages"]).stdout.split()
    assert stages == [f"stage-{n}" for n, _ in rows()]
    last = len(rows())
    p = run(["make", "-n", "--no-print-directory", "-C", ROOT, f"stage-{last}"], check=False)
    assert p.returncode != 0 and "No rule to make target" in p.stderr


def test_stage_sh_follows_the_list():
    assert run([ROOT / "scripts" / "stage.sh", "--list"]).stdout.split("\n")[:-1] == \
        [f"{n} {name}" for n, name in rows()]
    last = len(rows()) - 1
    for bad in (str(last + 1), "-1", "x", ""):
        p = run([ROOT / "scripts" / "stage.sh", bad], check=False)
        assert p.returncode == 2 and f"N = 0..{last}" in p.stderr, (bad, p.stderr)


def test_binaries_carry_the_same_table(bins):
    names = [f"stage-{n}-{name}" for n, name in rows()]
    for name in names:
        p = run([bins / name, "--help"])
        assert p.stdout.startswith(f"usage: {name} "), p.stdout
        listed = p.stdout.rstrip().split("\n")[-1]
        assert listed.split(":", 1)[1].split() == names, listed
