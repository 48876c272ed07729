"""cloudalbum-migrate on legacy users whose storage folders collide (issue 10, item 12):
"a_at_b@x.io" and "a@b_at_x.io" both own the legacy folder "a_at_b_at_x_dot_io". Two
accounts in the target would share one S3 prefix (the app finds a user's images by that
name alone), so the earlier user (lower legacy id) is migrated with the folder and the later
one is left behind with their photos, reported by legacy id; no photo is moved, copied into
the other's account or lost (docs/MIGRATION.md, "Users"). Rows in MariaDB, target on moto."""
from dirty_legacy import (BUCKET, legacy_deployment, migrate, norm, provision, scan, small_jpeg,
                          target_config)

import pytest

FIRST, LATER, OTHER = "a_at_b@x.io", "a@b_at_x.io", "c@example.com"
FOLDER = "a_at_b_at_x_dot_io"


@pytest.fixture
def target(moto, tmp_path):
    provision(moto)
    return target_config(tmp_path, moto)


def keys(s3, prefix):
    out, kw = [], {}
    while True:
        page = s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix, **kw)
        out += [o["Key"] for o in page.get("Contents", [])]
        if not page.get("IsTruncated"):
            return sorted(out)
        kw["ContinuationToken"] = page["NextContinuationToken"]


def test_users_sharing_a_folder_never_share_it_in_the_target(bins, moto, aws_env, tmp_path, target):
    ddb, s3 = moto.client("dynamodb"), moto.client("s3")
    state = tmp_path / "state"
    assert norm(FIRST) == norm(LATER) == FOLDER
    with legacy_deployment(tmp_path) as lg:
        first = lg.user(FIRST, "First")
        later = lg.user(LATER, "Later")
        other = lg.user(OTHER, "Other")
        first_bytes = lg.files(FIRST, "first.jpg", data=small_jpeg(color=(10, 200, 10)))
        lg.files(LATER, "later.jpg", data=small_jpeg(color=(10, 10, 200)))
        lg.files(OTHER, "other.jpg")
        lg.photo(first, "first.jpg", upload_date="2019-01-01 10:00:00")
        lg.photo(later, "later.jpg", upload_date="2019-01-02 10:00:00")
        lg.photo(other, "other.jpg", upload_date="2019-01-03 10:00:00")
        # both legacy users' files lie side by side in the one folder
        assert sorted(p.name for p in (lg.upload / FOLDER).glob("*.jpg")) == ["first.jpg", "later.jpg"]

        named = (f"user {later} ({LATER}): the same storage folder ({FOLDER}) as user {first} "
                 f"({FIRST})")
        p = migrate(bins, aws_env, lg, target, state, "plan")
        assert p.returncode == 0, p.stdout + p.stderr
        assert named in p.stdout, p.stdout
        assert "1 conflicts" in p.stdout or "1 conflict" in p.stdout, p.stdout

        p = migrate(bins, aws_env, lg, target, state)
        assert p.returncode == 1, p.stdout + p.stderr
        assert named in p.stdout and "left behind" in p.stdout, p.stdout

        users = {i["email"]["S"]: i["id"]["S"] for i in scan(ddb, "User")}
        assert sorted(users) == sorted([FIRST, OTHER])           # never two accounts on FOLDER
        photos = {}
        for i in scan(ddb, "Photo"):
            photos.setdefault(i["user_id"]["S"], []).append(i["filename"]["S"])
        assert photos == {users[FIRST]: ["first.jpg"], users[OTHER]: ["other.jpg"]}
        # the folder's prefix holds the first user's images only: nothing of the later one
        # was copied into it (nor anywhere else)
        assert keys(s3, f"photos/{FOLDER}/") == [f"photos/{FOLDER}/first.jpg",
                                                 f"photos/{FOLDER}/thumbnails/first.jpg"]
        assert not [k for k in keys(s3, "photos/") if "later.jpg" in k]
        got = s3.get_object(Bucket=BUCKET, Key=f"photos/{FOLDER}/first.jpg")["Body"].read()
        assert got == first_bytes
        # the later user's row and files are where they were
        assert (lg.upload / FOLDER / "later.jpg").exists()
        assert (lg.upload / FOLDER / "thumbnails" / "later.jpg").exists()

        # a second run: the same report, nothing written
        p = migrate(bins, aws_env, lg, target, state)
        assert p.returncode == 1 and named in p.stdout, p.stdout + p.stderr
        assert "0 items written" in p.stdout, p.stdout
        assert len(scan(ddb, "User")) == 2 and len(scan(ddb, "Photo")) == 2

        # verify: the later user's photo is the one difference, everything else is equal
        v = migrate(bins, aws_env, lg, target, state, "verify")
        assert v.returncode == 1, v.stdout + v.stderr
        differs = [l for l in v.stdout.splitlines() if l.startswith("DIFFERS")]
        assert differs and all("later.jpg" in l or LATER in l for l in differs), v.stdout
