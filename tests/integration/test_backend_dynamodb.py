"""The DynamoDB db backend (lib/db/dynamodb.c) with boto3 as the independent party:
what the backend writes is read here item by item against the data contract, and
items written here in the seed application's PynamoDB forms are read by the backend.
The C side runs as tcases of the unit-test binary test_db_dynamodb."""
import re
from datetime import datetime, timezone

import pytest

from backend_helpers import run_case
from helpers import create_contract_tables

BINARY = "test_db_dynamodb"
USER_TABLE = "User"
PHOTO_TABLE = "Photo"

# The same fixed values as in tests/unit/test_db_dynamodb.c.
SEED_USER_ID = "5f0c6e8a9b7d4c3e8a1b2c3d4e5f6a7b"
SEED_EMAIL = "seed.user@example.com"
SEED_PASSWORD = ("pbkdf2:sha256:50000$abcdefgh$"
                 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
CONTRACT_EMAIL = "contract@example.com"
CONTRACT_PASSWORD = ("pbkdf2:sha256:600000$saltsalt$"
                     "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff")
PYNAMODB_DATE = "%Y-%m-%dT%H:%M:%S.%f%z"  # UTCDateTimeAttribute's format


@pytest.fixture
def ddb(moto):
    """The contract's tables, made the way stage 1 / the seed's models make them."""
    c = moto.client("dynamodb")
    create_contract_tables(c, USER_TABLE, PHOTO_TABLE)
    return c


def run(moto, case, **extra):
    env = {"CA_TEST_DDB_USER_TABLE": USER_TABLE, "CA_TEST_DDB_PHOTO_TABLE": PHOTO_TABLE}
    env.update(extra)
    return run_case(BINARY, case, moto, env)


def epoch_ms(*args):
    return int(datetime(*args, tzinfo=timezone.utc).timestamp() * 1000)


def types_of(item):
    return {k: next(iter(v)) for k, v in item.items()}


def test_what_the_backend_writes_is_the_contract(moto, ddb):
    run(moto, "contract")

    users = ddb.scan(TableName=USER_TABLE)["Items"]
    real = [u for u in users if "email" in u]
    guards = ddb.scan(TableName=USER_TABLE + "-guard")["Items"]
    # the User table holds users only: the guard lives in the guard table
    assert len(real) == len(users) == 1 and len(guards) == 1
    user = real[0]
    assert types_of(user) == {"id": "S", "email": "S", "username": "S", "password": "S"}
    uid = user["id"]["S"]
    assert re.fullmatch(r"[0-9a-f]{12}4[0-9a-f]{3}[89ab][0-9a-f]{15}", uid), uid
    assert user["email"]["S"] == CONTRACT_EMAIL
    assert user["username"]["S"] == "Contract User"
    assert user["password"]["S"] == CONTRACT_PASSWORD
    # the uniqueness guard: in its own table, names its user
    assert guards[0] == {"id": {"S": "email#" + CONTRACT_EMAIL}, "user_id": {"S": uid}}

    # the seed's lookup: the index by email, password projected
    hit = ddb.query(TableName=USER_TABLE, IndexName="user-email-index",
                    KeyConditionExpression="email = :e",
                    ExpressionAttributeValues={":e": {"S": CONTRACT_EMAIL}})["Items"]
    assert len(hit) == 1
    assert hit[0]["id"]["S"] == uid and hit[0]["password"]["S"] == CONTRACT_PASSWORD

    photos = ddb.query(TableName=PHOTO_TABLE, KeyConditionExpression="user_id = :u",
                       ExpressionAttributeValues={":u": {"S": uid}})["Items"]
    assert len(photos) == 2
    first, second = sorted(photos, key=lambda p: int(p["id"]["N"]))
    assert first["id"]["N"] == str(epoch_ms(2024, 3, 5, 6, 7, 8, 123000))
    assert types_of(first) == {
        "user_id": "S", "id": "N", "tags": "S", "desc": "S", "filename_orig": "S",
        "filename": "S", "filesize": "N", "geotag_lat": "S", "geotag_lng": "S",
        "upload_date": "S", "taken_date": "S", "make": "S", "model": "S", "width": "S",
        "height": "S", "city": "S", "nation": "S", "address": "S"}
    assert {k: list(v.values())[0] for k, v in first.items()} == {
        "user_id": uid, "id": "1709618828123", "tags": "a,b", "desc": "Contract photo",
        "filename_orig": "holiday.jpg", "filename": "0b6f3c9e-2f4d-4a8b-9c1e-7d5a3b2c1f00.jpg",
        "filesize": "123456", "geotag_lat": "37.5665", "geotag_lng": "126.978",
        "upload_date": "2024-03-05T06:07:08.123456+0000",
        "taken_date": "2024-03-04T01:02:03.000000+0000", "make": "Canon", "model": "",
        "city": "", "width": "6000", "height": "4000", "nation": "South Korea",
        "address": "Jung-gu, Seoul"}
    # the dates parse the way PynamoDB's UTCDateTimeAttribute parses them
    up = datetime.strptime(first["upload_date"]["S"], PYNAMODB_DATE)
    assert up == datetime(2024, 3, 5, 6, 7, 8, 123456, tzinfo=timezone.utc)
    datetime.strptime(first["taken_date"]["S"], PYNAMODB_DATE)
    # the PynamoDB model's UnicodeAttribute coordinates read back as floats
    assert float(first["geotag_lat"]["S"]) == 37.5665

    assert second["id"]["N"] == str(epoch_ms(2024, 3, 6))
    # no location: a number the seed's map script takes, and no latitude at all
    assert second["geotag_lat"] == {"S": "999"} and second["geotag_lng"] == {"S": "999"}
    # no EXIF: what the seed writes then ("" texts, the upload date as the taken date)
    assert second["taken_date"] == second["upload_date"]
    assert second["make"] == second["model"] == second["city"] == {"S": ""}


def put_seed_items(ddb):
    """The seed application's records in the form its PynamoDB models write."""
    ddb.put_item(TableName=USER_TABLE, Item={
        "id": {"S": SEED_USER_ID}, "email": {"S": SEED_EMAIL},
        "username": {"S": "Seed User"}, "password": {"S": SEED_PASSWORD}})
    ddb.put_item(TableName=PHOTO_TABLE, Item={
        "user_id": {"S": SEED_USER_ID}, "id": {"N": "1527848430000"},
        "tags": {"S": "seoul,Palace"}, "desc": {"S": "Gyeongbokgung at dusk"},
        "filename_orig": {"S": "IMG_0001.JPG"},
        "filename": {"S": "0b6f3c9e2f4d4a8b9c1e7d5a3b2c1f00.jpg"},
        "filesize": {"N": "204800"}, "geotag_lat": {"S": "37.5796"},
        "geotag_lng": {"S": "126.977"},
        "upload_date": {"S": "2018-06-01T10:20:30.000000+0000"},
        "taken_date": {"S": "2018-05-30T08:00:00.000000+0000"},
        "make": {"S": "Apple"}, "model": {"S": "iPhone X"}, "width": {"S": "4032"},
        "height": {"S": "3024"}, "city": {"S": "Seoul"}, "nation": {"S": "South Korea"},
        "address": {"S": "Sajik-ro 161"}})
    # no GPS, no camera, a width written as a number, no taken date
    ddb.put_item(TableName=PHOTO_TABLE, Item={
        "user_id": {"S": SEED_USER_ID}, "id": {"N": "1527848500000"},
        "tags": {"S": ""}, "desc": {"S": "no gps"}, "filename_orig": {"S": "scan.jpeg"},
        "filename": {"S": "1b6f3c9e2f4d4a8b9c1e7d5a3b2c1f00.jpeg"},
        "filesize": {"N": "0"}, "geotag_lat": {"S": ""}, "width": {"N": "640"},
        "height": {"S": "480"}, "upload_date": {"S": "2018-06-01T10:21:40.000000+0000"},
        "nation": {"S": ""}, "address": {"S": ""}})


def test_seed_items_are_read_and_stay_seed_readable(moto, ddb):
    put_seed_items(ddb)
    run(moto, "seed_reads", CA_TEST_SEED_WRITTEN="1")

    # the backend's edit of a seed photo changed only desc, as S
    item = ddb.get_item(TableName=PHOTO_TABLE, Key={"user_id": {"S": SEED_USER_ID},
                                                    "id": {"N": "1527848500000"}})["Item"]
    assert item["desc"] == {"S": "edited here"}
    assert item["width"] == {"N": "640"} and item["filesize"] == {"N": "0"}
    assert "geotag_lng" not in item
    # and the photo it added for the seed user is in the contract's form
    photos = ddb.query(TableName=PHOTO_TABLE, KeyConditionExpression="user_id = :u",
                       ExpressionAttributeValues={":u": {"S": SEED_USER_ID}})["Items"]
    assert len(photos) == 3
    new = max(photos, key=lambda p: int(p["id"]["N"]))
    up = datetime.strptime(new["upload_date"]["S"], PYNAMODB_DATE)
    assert abs(int(new["id"]["N"]) - up.timestamp() * 1000) < 1000
    assert new["geotag_lat"] == {"S": "37.5665"} and new["filesize"] == {"N": "1000"}
    # nothing was added to the User table for a user the backend did not create
    assert len(ddb.scan(TableName=USER_TABLE)["Items"]) == 1


def test_a_user_boto3_wrote_blocks_the_same_email(moto, ddb):
    """The contract case creates contract@example.com; a seed-written user with that
    email (no guard item) makes it a conflict, which fails the case."""
    ddb.put_item(TableName=USER_TABLE, Item={
        "id": {"S": "feedfacefeedfacefeedfacefeedface"}, "email": {"S": CONTRACT_EMAIL},
        "username": {"S": "First"}, "password": {"S": "x"}})
    with pytest.raises(AssertionError, match="already exists"):
        run(moto, "contract")
    items = ddb.scan(TableName=USER_TABLE)["Items"]
    assert [i["id"]["S"] for i in items] == ["feedfacefeedfacefeedfacefeedface"]
