"""cloudalbum-migrate on dirty legacy data: rows made by SQL in MariaDB (every NULL and odd
value the legacy schema allows), the target on moto. Each case has the outcome
docs/MIGRATION.md gives it: migrated, or reported by legacy id with a reason and a non-zero
exit, the rest moving on."""
import re
from pathlib import Path

import pytest

from dirty_legacy import (BUCKET, legacy_deployment, migrate, provision, scan, small_jpeg,
                          target_config)


@pytest.fixture
def target(moto, tmp_path):
    provision(moto)
    return target_config(tmp_path, moto)


def users_by_email(ddb):
    return {i["email"]["S"]: i["id"]["S"] for i in scan(ddb, "User")}


def photos_of(ddb, owner):
    return sorted(i["filename"]["S"] for i in scan(ddb, "Photo") if i["user_id"]["S"] == owner)


def two_photo_users(lg, *emails):
    """Users with one photo each (files on disk), in order; returns their legacy ids."""
    ids = []
    for n, email in enumerate(emails):
        uid = lg.user(email, f"User{n}")
        if email:
            lg.files(email, f"p{n}.jpg")
        lg.photo(uid, f"p{n}.jpg", upload_date=f"2019-01-0{n + 1} 10:00:00", tags="t", desc="d")
        ids.append(uid)
    return ids


def test_null_email_is_reported_by_id_and_the_rest_moves_on(bins, moto, aws_env, tmp_path, target):
    ddb = moto.client("dynamodb")
    with legacy_deployment(tmp_path) as lg:
        a, b, c = two_photo_users(lg, "a@example.com", None, "c@example.com")
        lg.user("", "Empty")
        p = migrate(bins, aws_env, lg, target, tmp_path / "state", "plan")
        assert p.returncode == 0 and f"user {b} (User1): no email (NULL" in p.stdout
        p = migrate(bins, aws_env, lg, target, tmp_path / "state")
    assert p.returncode == 1, p.stdout + p.stderr
    assert f"user {b} (User1): no email (NULL" in p.stdout and "(empty in the legacy table)" in p.stdout
    assert "left behind" in p.stdout
    users = users_by_email(ddb)
    assert sorted(users) == ["a@example.com", "c@example.com"]
    assert photos_of(ddb, users["a@example.com"]) == ["p0.jpg"]
    assert photos_of(ddb, users["c@example.com"]) == ["p2.jpg"]


def test_emails_equal_but_for_case_are_reported_never_merged(bins, moto, aws_env, tmp_path, target):
    ddb = moto.client("dynamodb")
    # someone signed up in the new app as Dee@Example.com before the cut-over
    ddb.put_item(TableName="User", Item={"id": {"S": "e" * 32}, "email": {"S": "Dee@Example.com"},
                                         "username": {"S": "Dee"}, "password": {"S": "x"}})
    ddb.put_item(TableName="User-guard", Item={"id": {"S": "email#dee@example.com"},
                                               "user_id": {"S": "e" * 32}})
    with legacy_deployment(tmp_path) as lg:
        # a legacy table whose email column compares bytes (a binary collation): the
        # UNIQUE index then lets emails equal but for case in
        lg.sql("ALTER TABLE `User` MODIFY email VARCHAR(50) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
        ann, ann2, dee = two_photo_users(lg, "Ann@Example.com", "ann@example.com", "dee@example.com")
        p = migrate(bins, aws_env, lg, target, tmp_path / "state", "plan")
        assert p.returncode == 0
        assert f"user {ann2} (ann@example.com): the same email as user {ann} (Ann@Example.com) but for case" in p.stdout
        assert f"user {dee} (dee@example.com): the email is already in the target under id {'e' * 32}" in p.stdout
        assert "2 conflicts" in p.stdout
        p = migrate(bins, aws_env, lg, target, tmp_path / "state")
    assert p.returncode == 1, p.stdout + p.stderr
    assert "never merged" in p.stdout
    users = users_by_email(ddb)
    assert sorted(users) == ["Ann@Example.com", "Dee@Example.com"]
    assert users["Dee@Example.com"] == "e" * 32          # the app's user is untouched
    assert photos_of(ddb, users["Ann@Example.com"]) == ["p0.jpg"]
    assert photos_of(ddb, "e" * 32) == []
    guards = {i["id"]["S"]: i["user_id"]["S"] for i in scan(ddb, "User-guard")}
    assert guards == {"email#ann@example.com": users["Ann@Example.com"],
                      "email#dee@example.com": "e" * 32}


def test_a_lost_state_file_is_adopted(bins, moto, aws_env, tmp_path, target):
    ddb = moto.client("dynamodb")
    state = tmp_path / "state"
    with legacy_deployment(tmp_path) as lg:
        two_photo_users(lg, "a@example.com", "b@example.com")
        assert migrate(bins, aws_env, lg, target, state).returncode == 0
        before = users_by_email(ddb)
        state.unlink()
        p = migrate(bins, aws_env, lg, target, state)
        assert p.returncode == 1 and "run --adopt" in p.stdout
        p = migrate(bins, aws_env, lg, target, state, "run", "--adopt")
        assert p.returncode == 0, p.stdout + p.stderr
        assert "adopt (2 users took the target's id):" in p.stdout
        assert users_by_email(ddb) == before
        assert sorted(re.findall(r"^user \d+ (\S+)$", state.read_text(), re.M)) == sorted(before.values())
        p = migrate(bins, aws_env, lg, target, state)
        assert p.returncode == 0 and "nothing to do" in p.stdout
        assert migrate(bins, aws_env, lg, target, state, "verify").returncode == 0


def test_a_duplicated_target_is_repaired_by_adopt(bins, moto, aws_env, tmp_path, target):
    """What two unlocked runs at once left: every user twice (two ids for one email), each
    with a copy of every photo item; the guard names one of the two."""
    ddb = moto.client("dynamodb")
    state = tmp_path / "state"
    with legacy_deployment(tmp_path) as lg:
        two_photo_users(lg, "a@example.com", "b@example.com")
        assert migrate(bins, aws_env, lg, target, state).returncode == 0
        for n, (email, uid) in enumerate(sorted(users_by_email(ddb).items())):
            dup = f"{n:x}" * 32
            item = ddb.get_item(TableName="User", Key={"id": {"S": uid}})["Item"]
            ddb.put_item(TableName="User", Item=dict(item, id={"S": dup}))
            for ph in scan(ddb, "Photo"):
                if ph["user_id"]["S"] == uid:
                    ddb.put_item(TableName="Photo", Item=dict(ph, user_id={"S": dup}))
            if n == 0:   # the other run won the guard for this one
                ddb.put_item(TableName="User-guard", Item={"id": {"S": f"email#{email}"},
                                                           "user_id": {"S": dup}})
        assert len(scan(ddb, "User")) == 4 and len(scan(ddb, "Photo")) == 4
        p = migrate(bins, aws_env, lg, target, state)
        assert p.returncode == 1 and "run --adopt" in p.stdout
        p = migrate(bins, aws_env, lg, target, state, "run", "--adopt")
        assert p.returncode == 0, p.stdout + p.stderr
        assert p.stdout.count("removed with its 1 copies of legacy photos") == 2
        users = users_by_email(ddb)
        assert len(scan(ddb, "User")) == 2 and len(scan(ddb, "Photo")) == 2
        guards = {i["id"]["S"]: i["user_id"]["S"] for i in scan(ddb, "User-guard")}
        assert guards == {f"email#{e}": i for e, i in users.items()}
        assert migrate(bins, aws_env, lg, target, state, "verify").returncode == 0
