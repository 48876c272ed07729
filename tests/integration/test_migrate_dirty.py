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


def test_odd_rows_each_have_their_outcome(bins, moto, aws_env, tmp_path, target):
    ddb = moto.client("dynamodb")
    state = tmp_path / "state"
    email = "odd@example.com"
    with legacy_deployment(tmp_path) as lg:
        u = lg.user(email, "Odd")
        ok = lg.photo(u, "ok.jpg", upload_date="2019-05-01 10:00:00", desc="fine")
        lg.files(email, "ok.jpg")
        nul = lg.photo(u, "nul.jpg", upload_date="2019-05-02 10:00:00", desc="before\x00after")
        lg.files(email, "nul.jpg")
        moon = lg.photo(u, "moon.jpg", upload_date="1969-07-20 20:17:40", desc="pre-1970")
        lg.files(email, "moon.jpg")
        old = lg.photo(u, "older.jpg", upload_date="1950-01-01 00:00:00")
        lg.files(email, "older.jpg")
        nofile = lg.photo(u, None, upload_date="2019-05-03 10:00:00")
        zero = lg.photo(u, "zero.jpg", mode="", upload_date="0000-00-00 00:00:00")
        lg.files(email, "zero.jpg")
        half = lg.photo(u, "half.jpg", upload_date="2019-05-04 10:00:00", geotag_lat=12.5)
        lg.files(email, "half.jpg")
        orphan = lg.photo(None, "orphan.jpg", upload_date="2019-05-05 10:00:00")

        p = migrate(bins, aws_env, lg, target, state, "plan")
        assert p.returncode == 0
        assert f"photo {nul} (nul.jpg): desc holds a NUL byte (at byte 6)" in p.stdout
        p = migrate(bins, aws_env, lg, target, state)
        assert p.returncode == 1, p.stdout + p.stderr
        out = p.stdout
        assert f"photo {nul} (nul.jpg): desc holds a NUL byte (at byte 6)" in out
        assert f"photo {orphan} (orphan.jpg) has no user (user_id NULL)" in out
        assert f"photo {half} (half.jpg): a latitude without a longitude" in out
        assert f"photo {zero} (zero.jpg): upload_date is not a date" in out
        assert f"photo {nofile}: no filename (NULL)" in out
        owner = users_by_email(ddb)[email]
        items = {i["filename"]["S"]: i for i in scan(ddb, "Photo") if i["user_id"]["S"] == owner}
        # the NUL row is not cut short into the target: it is not there at all
        assert "nul.jpg" not in items
        assert sorted(items) == sorted(["", "ok.jpg", "moon.jpg", "older.jpg", "zero.jpg", "half.jpg"])
        ids = [int(i["id"]["N"]) for i in items.values()]
        assert min(ids) >= 0 and len(set(ids)) == len(ids)
        # before 1970: ids from 0 on, in date order; the dates themselves kept
        assert int(items["older.jpg"]["id"]["N"]) == 0 and int(items["moon.jpg"]["id"]["N"]) == 1
        assert items["moon.jpg"]["upload_date"]["S"] == "1969-07-20T20:17:40.000000+0000"
        # a zero date: the date its id stands for, never the seed model's "now"
        assert items["zero.jpg"]["upload_date"]["S"].startswith("1970-01-01T00:00:00")
        assert items["zero.jpg"]["taken_date"] == items["zero.jpg"]["upload_date"]
        assert items["half.jpg"]["geotag_lat"] == {"S": "999"}
        assert items[""]["filename"] == {"S": ""}
        assert f"photos/{email.replace('@', '_at_').replace('.', '_dot_')}/moon.jpg" in \
            {o["Key"] for o in moto.client("s3").list_objects_v2(Bucket=BUCKET)["Contents"]}

        # a second run: the same outcome, nothing "already used by another photo"
        p = migrate(bins, aws_env, lg, target, state)
        assert p.returncode == 1 and "already used" not in p.stdout and "0 items written" in p.stdout
        # verify: the rows left behind are differences, everything else is equal
        v = migrate(bins, aws_env, lg, target, state, "verify")
        assert v.returncode == 1
        differs = [l for l in v.stdout.splitlines() if l.startswith("DIFFERS")]
        assert all("nul.jpg" in l or "orphan.jpg" in l for l in differs), v.stdout
        assert any("nul.jpg" in l and "NUL byte" in l for l in differs)
        assert any("orphan.jpg" in l and "not migrated" in l for l in differs)
        assert any(f"photo {nul} (nul.jpg) of {email}: no item" in l for l in differs)
        assert ok and moon and old
        # a stored text that only starts like the legacy one (a NUL written by another
        # tool) is never "nothing lost" (the client refuses such an answer today)
        ddb.update_item(TableName="Photo", Key={"user_id": {"S": owner}, "id": items["ok.jpg"]["id"]},
                        UpdateExpression="SET #d = :d", ExpressionAttributeNames={"#d": "desc"},
                        ExpressionAttributeValues={":d": {"S": "fine\x00tampered"}})
        v = migrate(bins, aws_env, lg, target, state, "verify")
        assert v.returncode == 1 and "nothing lost" not in v.stdout


def test_a_file_over_the_limit_fails_alone(bins, moto, aws_env, tmp_path, target):
    ddb = moto.client("dynamodb")
    state = tmp_path / "state"
    email = "big@example.com"
    with legacy_deployment(tmp_path) as lg:
        u = lg.user(email, "Big")
        for n in range(3):
            lg.photo(u, f"p{n}.jpg", upload_date=f"2019-06-0{n + 1} 10:00:00")
            lg.files(email, f"p{n}.jpg")
        big = lg.photo(u, "big.jpg", upload_date="2019-06-09 10:00:00")
        lg.files(email, "big.jpg", data=small_jpeg() + b"\0" * (3 << 20))
        p = migrate(bins, aws_env, lg, target, state, "plan", "--max-image-mb", "2")
        assert p.returncode == 0
        assert f"photo {big} (big.jpg): 3.0 MiB, over --max-image-mb 2" in p.stdout
        p = migrate(bins, aws_env, lg, target, state, "run", "--max-image-mb", "2")
        assert p.returncode == 1, p.stdout + p.stderr
        assert f"photo {big} (big.jpg): its original is 3.0 MiB, over the limit of 2 MiB" in p.stdout
        assert "--max-image-mb 4" in p.stdout
        # every other photo is in, with its item
        assert sorted(i["filename"]["S"] for i in scan(ddb, "Photo")) == ["p0.jpg", "p1.jpg", "p2.jpg"]
        p = migrate(bins, aws_env, lg, target, state, "run", "--max-image-mb", "4")
        assert p.returncode == 0, p.stdout + p.stderr
        assert len(scan(ddb, "Photo")) == 4
        assert migrate(bins, aws_env, lg, target, state, "verify", "--max-image-mb", "4").returncode == 0


def test_ids_stay_put_and_deletions_are_reported_then_pruned(bins, moto, aws_env, tmp_path, target):
    """A re-run after the legacy app kept working (the normal case during a cut-over): a
    photo of a same-second burst deleted, a photo added in that second, a user deleted."""
    ddb, s3 = moto.client("dynamodb"), moto.client("s3")
    state = tmp_path / "state"
    email = "burst@example.com"
    with legacy_deployment(tmp_path) as lg:
        u = lg.user(email, "Burst")
        gone_user = lg.user("gone@example.com", "Gone")
        rows = []
        for n in range(3):
            rows.append(lg.photo(u, f"b{n}.jpg", upload_date="2019-07-01 10:00:00"))
            lg.files(email, f"b{n}.jpg")
        assert migrate(bins, aws_env, lg, target, state).returncode == 0
        owner = users_by_email(ddb)[email]
        ids = {i["filename"]["S"]: i["id"]["N"] for i in scan(ddb, "Photo")}
        assert len(set(ids.values())) == 3

        lg.sql("DELETE FROM `Photo` WHERE id = %s", (rows[0],))
        lg.sql("DELETE FROM `User` WHERE id = %s", (gone_user,))
        lg.photo(u, "b3.jpg", upload_date="2019-07-01 10:00:00")
        lg.files(email, "b3.jpg")
        p = migrate(bins, aws_env, lg, target, state)
        assert p.returncode == 0, p.stdout + p.stderr
        assert "already used" not in p.stdout
        now = {i["filename"]["S"]: i["id"]["N"] for i in scan(ddb, "Photo")}
        # the photos that were there keep their ids; the new one takes a free one
        assert all(now[f] == ids[f] for f in ("b0.jpg", "b1.jpg", "b2.jpg"))
        assert now["b3.jpg"] not in ids.values()
        assert f"photo {ids['b0.jpg']} (b0.jpg) of {email}: in the target, no longer a legacy row" in p.stdout
        assert "run --prune" in p.stdout
        assert f"user {gone_user} (id " in p.stdout and "no longer a legacy user" in p.stdout
        v = migrate(bins, aws_env, lg, target, state, "verify")
        assert v.returncode == 1 and "b0.jpg" in v.stdout and "no longer a legacy row" in v.stdout

        p = migrate(bins, aws_env, lg, target, state, "run", "--prune")
        assert p.returncode == 0, p.stdout + p.stderr
        assert "b0.jpg" in p.stdout and ": pruned" in p.stdout
        assert sorted(i["filename"]["S"] for i in scan(ddb, "Photo")) == ["b1.jpg", "b2.jpg", "b3.jpg"]
        keys = {o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])}
        assert not any(k.endswith("/b0.jpg") for k in keys) and any(k.endswith("/b1.jpg") for k in keys)
        assert owner in {i["user_id"]["S"] for i in scan(ddb, "Photo")}
        assert migrate(bins, aws_env, lg, target, state, "verify").returncode == 0


def test_odd_files_each_have_their_outcome(bins, moto, aws_env, tmp_path, target):
    import io
    from PIL import Image
    ddb, s3 = moto.client("dynamodb"), moto.client("s3")
    state = tmp_path / "state"
    email = "files@example.com"
    prefix = "photos/files_at_example_dot_com/"
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (1, 2, 3)).save(buf, "PNG")
    with legacy_deployment(tmp_path) as lg:
        u = lg.user(email, "Files")
        png = lg.photo(u, "png.jpg", upload_date="2019-08-01 10:00:00")
        lg.files(email, "png.jpg", thumb=False, data=buf.getvalue())
        empty = lg.photo(u, "empty.jpg", upload_date="2019-08-02 10:00:00")
        lg.files(email, "empty.jpg", thumb=False, data=b"")
        cut = lg.photo(u, "cut.jpg", upload_date="2019-08-03 10:00:00")
        lg.files(email, "cut.jpg", thumb=False, data=small_jpeg()[:40])
        link = lg.photo(u, "link.jpg", upload_date="2019-08-04 10:00:00")
        outside = tmp_path / "elsewhere.jpg"
        outside.write_bytes(small_jpeg())
        (lg.upload / "files_at_example_dot_com" / "link.jpg").symlink_to(outside)

        p = migrate(bins, aws_env, lg, target, state, "plan")
        assert p.returncode == 0
        assert "made from the original when it is a JPEG that decodes" in p.stdout
        assert f"photo {link} (link.jpg): the original is a symbolic link, not followed" in p.stdout
        p = migrate(bins, aws_env, lg, target, state)
        assert p.returncode == 0, p.stdout + p.stderr
        out = p.stdout
        assert f"photo {png} (png.jpg): no thumbnail: the original" in out and "image/png" in out
        assert f"photo {empty} (empty.jpg): no thumbnail: the original (0 bytes, application/octet-stream)" in out
        assert f"photo {cut} (cut.jpg): no thumbnail" in out
        assert f"photo {link} (link.jpg): the original is a symbolic link" in out
        # each original as it is, with the type its bytes are
        types = {k: s3.head_object(Bucket=BUCKET, Key=prefix + k)["ContentType"]
                 for k in ("png.jpg", "empty.jpg", "cut.jpg")}
        assert types == {"png.jpg": "image/png", "empty.jpg": "application/octet-stream",
                         "cut.jpg": "image/jpeg"}
        keys = {o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"]}
        assert not any("thumbnails/" in k for k in keys)       # no thumbnail promised and missing
        assert not any(k.endswith("link.jpg") for k in keys)   # the link's target is never read
        assert len(scan(ddb, "Photo")) == 4                    # every row is an item
        assert migrate(bins, aws_env, lg, target, state, "verify").returncode == 0
        assert "nothing to do" in migrate(bins, aws_env, lg, target, state).stdout
