"""What a migration of dirty legacy rows and an upload through cloudalbum-serve write to
DynamoDB, read back with PynamoDB models that match the seed LAB02 app's models (written
here in our own words: the same table names, attributes, types and null rules):

- User.scan() yields users only, each of which loads and could be saved again;
- every Photo item loads and could be saved again, its text fields are never None (the
  seed's pages print "None"), its taken_date is its own (not the model's default, which
  is the seed worker's start time);
- the values the seed's map page writes into its script (`lat: {{ photo.geotag_lat }},`)
  are JavaScript numbers, for photos with and without a location."""
import math
import re
from datetime import datetime, timezone

import pytest
from jinja2 import Template
from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import GlobalSecondaryIndex, IncludeProjection
from pynamodb.models import Model

from dirty_legacy import REGION, legacy_deployment, migrate, provision, target_config
from serve_helpers import Serve, jpeg, new_user

# what a model gives for an attribute the item lacks; never a real photo's date
MODEL_DEFAULT_DATE = datetime(1901, 1, 1, tzinfo=timezone.utc)
# the seed's map page (templates/map.html), the part that takes the values
MAP_SNIPPET = Template("{% for photo in photos %}map.addMarker({ lat: {{ photo.geotag_lat }}, "
                       "lng: {{ photo.geotag_lng }} });\n{% endfor %}")
JS_NUMBER = re.compile(r"-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")


def seed_models(endpoint):
    """User and Photo models shaped as the seed's models_ddb.py, bound to moto."""

    class Bound:
        region = REGION
        host = endpoint
        aws_access_key_id = "testing"
        aws_secret_access_key = "testing"

    class EmailIndex(GlobalSecondaryIndex):
        class Meta:
            index_name = "user-email-index"
            read_capacity_units = 2
            write_capacity_units = 1
            projection = IncludeProjection(["password"])
        email = UnicodeAttribute(hash_key=True)

    class User(Model):
        class Meta(Bound):
            table_name = "User"
        id = UnicodeAttribute(hash_key=True)
        email_index = EmailIndex()
        email = UnicodeAttribute(null=False)
        username = UnicodeAttribute(null=False)
        password = UnicodeAttribute(null=False)

    class Photo(Model):
        class Meta(Bound):
            table_name = "Photo"
        user_id = UnicodeAttribute(hash_key=True)
        id = NumberAttribute(range_key=True)
        tags = UnicodeAttribute(null=False)
        desc = UnicodeAttribute(null=False)
        filename_orig = UnicodeAttribute(null=False)
        filename = UnicodeAttribute(null=False)
        filesize = NumberAttribute(null=False)
        geotag_lat = UnicodeAttribute(null=False)
        geotag_lng = UnicodeAttribute(null=False)
        upload_date = UTCDateTimeAttribute(default=MODEL_DEFAULT_DATE)
        taken_date = UTCDateTimeAttribute(default=MODEL_DEFAULT_DATE)
        make = UnicodeAttribute(null=True)
        model = UnicodeAttribute(null=True)
        width = UnicodeAttribute(null=False)
        height = UnicodeAttribute(null=False)
        city = UnicodeAttribute(null=True)
        nation = UnicodeAttribute(null=False)
        address = UnicodeAttribute(null=False)

    return User, Photo


@pytest.fixture
def target(moto, aws_env, tmp_path):
    provision(moto)
    return target_config(tmp_path, moto, serve=True)


def test_seed_models_read_what_a_migration_and_an_upload_write(bins, moto, aws_env, tmp_path, target):
    with legacy_deployment(tmp_path) as lg:
        a = lg.user("ann@example.com", "Ann")
        b = lg.user("bob@example.com", "Bob")
        # a full row, with its files
        lg.files("ann@example.com", "full.jpg")
        lg.photo(a, "full.jpg", tags="t", desc="d", filename_orig="F.JPG", filesize=10,
                 geotag_lat=37.5665, geotag_lng=126.978, upload_date="2018-11-14 10:00:00",
                 taken_date="2018-11-13 09:00:00", make="Canon", model="EOS", width="64",
                 height="48", city="Seoul", nation="Korea", address="Jung-gu")
        # no location, no EXIF fields, no taken date: everything NULL the schema allows
        lg.files("ann@example.com", "bare.jpg")
        lg.photo(a, "bare.jpg", upload_date="2018-11-14 11:00:00")
        # a latitude without a longitude
        lg.files("bob@example.com", "half.jpg")
        lg.photo(b, "half.jpg", geotag_lat=10.5, upload_date="2018-11-14 12:00:00",
                 taken_date="2018-11-14 12:00:00")
        p = migrate(bins, aws_env, lg, target, tmp_path / "state")
        assert p.returncode == 0, p.stdout + p.stderr

    # an upload without EXIF (no GPS, no camera, no date) through the app
    srv = Serve(bins / "cloudalbum-serve", target, tmp_path, env=aws_env)
    try:
        c = new_user(srv.base, "carol")
        r = c.upload([("plain.jpg", jpeg(320, 240))], tags="x", desc="y")
        assert r.status_code == 201, r.text
        # our own app still knows these photos have no location
        r = c.get("/api/photos")
        assert r.status_code == 200
        (mine,) = r.json()["photos"]
        assert mine["geotag_lat"] is None and mine["geotag_lng"] is None, mine
    finally:
        srv.stop()

    User, Photo = seed_models(moto.endpoint)
    users = list(User.scan())
    # users only: no guard item where the seed's models read users
    assert sorted(u.email for u in users) == sorted(["ann@example.com", "bob@example.com", c.email])
    for u in users:
        u.serialize()          # raises AttributeNullError for a non-user (email None)
        assert u.username and u.password
    assert [x.id for x in User.email_index.query("bob@example.com")] == \
        [u.id for u in users if u.email == "bob@example.com"]

    photos = list(Photo.scan())
    assert len(photos) == 4
    for ph in photos:
        ph.serialize()
        for k in ("make", "model", "city"):
            assert getattr(ph, k) is not None, (ph.filename, k)   # the seed would print "None"
        assert ph.taken_date != MODEL_DEFAULT_DATE, ph.filename
        assert ph.upload_date != MODEL_DEFAULT_DATE, ph.filename
        for v in (ph.geotag_lat, ph.geotag_lng):
            assert JS_NUMBER.fullmatch(v) and math.isfinite(float(v)), (ph.filename, v)
    # the map page's script, as the seed renders it for each owner's photos
    for u in users:
        script = MAP_SNIPPET.render(photos=list(Photo.query(u.id)))
        for line in script.strip().split("\n"):
            m = re.fullmatch(r"map\.addMarker\(\{ lat: (\S+), lng: (\S+) \}\);", line)
            assert m and JS_NUMBER.fullmatch(m.group(1)) and JS_NUMBER.fullmatch(m.group(2)), script
    by_name = {ph.filename: ph for ph in photos}
    assert float(by_name["full.jpg"].geotag_lat) == pytest.approx(37.5665, abs=1e-4)
    # no location (and half a location) is out of every latitude's range: no false place
    for name in ("bare.jpg", "half.jpg"):
        assert abs(float(by_name[name].geotag_lat)) > 90
    uploaded = next(ph for ph in photos if ph.filename not in ("full.jpg", "bare.jpg", "half.jpg"))
    assert abs(float(uploaded.geotag_lat)) > 90
    assert uploaded.taken_date == uploaded.upload_date
    assert by_name["bare.jpg"].taken_date == by_name["bare.jpg"].upload_date
