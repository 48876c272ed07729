"""The build refuses an include of another folder's internal header
(scripts/check-internal-includes.sh, run by `make build`): checked on a copy of the
sources, clean and then with a planted violation, through the Makefile's
include-check target."""
import shutil
from pathlib import Path

import pytest

from helpers import run

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ["lib", "cmd", "stages", "migrate", "legacy_seed", "classroom", "scripts"]


@pytest.fixture
def tree(tmp_path):
    """A copy of the Makefile, the check and every source folder; tests/unit too
    (white-box tests may include internals)."""
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "tests" / "unit", tmp_path / "tests" / "unit")
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    return tmp_path


def include_check(tree):
    return run(["make", "--no-print-directory", "-C", tree, "include-check"], check=False)


def test_the_tree_as_it_is_passes(tree):
    p = include_check(tree)
    assert p.returncode == 0, p.stderr


def test_an_outside_include_fails_naming_file_line_and_header(tree):
    victim = tree / "migrate" / "migrate_legacy.c"
    lines = victim.read_text().splitlines(keepends=True)
    lines.insert(3, '#include "db/mysql_internal.h"\n')
    victim.write_text("".join(lines))
    (tree / "lib" / "app" / "planted.h").write_text('#  include  "aws/../db/dynamodb_internal.h"\n')

    p = include_check(tree)
    assert p.returncode != 0
    assert "migrate/migrate_legacy.c:4: includes db/mysql_internal.h" in p.stderr
    assert "private to its folder" in p.stderr
    assert "lib/app/planted.h:1: includes aws/../db/dynamodb_internal.h" in p.stderr


def test_own_folder_and_white_box_tests_may_include(tree):
    (tree / "lib" / "db" / "planted.c").write_text('#include "db/mysql_internal.h"\n')
    (tree / "migrate" / "planted.c").write_text('#include "migrate_internal.h"\n')
    (tree / "tests" / "unit" / "test_planted.c").write_text('#include "db/mysql_internal.h"\n')
    p = include_check(tree)
    assert p.returncode == 0, p.stderr
