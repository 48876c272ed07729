"""cloudalbum-serve with storage.kind s3 (stage 2) against moto: uploads land at the data
contract's keys with Content-Type image/jpeg, the image endpoint answers 302 to a presigned
URL that fetches the bytes from moto, delete removes both objects, another user's photo is
404 and stays; the Content-Security-Policy lets the browser load images from the endpoint.
The last test provisions with scripts/stage.sh 2 and starts ./cloudalbum-serve (the
launcher) with the generated config and no AWS keys in the environment."""
import io
import re
import urllib.parse

import pytest
import requests
import yaml
from PIL import Image

from album_order import check_album_orders
from helpers import create_contract_tables, run
from serve_helpers import ROOT, WEB, Client, Serve, jpeg, new_user, norm_email

BUCKET = "cloudalbum-test-photos"
REGION = "ap-southeast-1"


def write_s3_config(path, moto, bucket=BUCKET, expires=600, daemon=None):
    """A serve config on DynamoDB + S3 with local sign-in; traced to daemon when given."""
    tracing = f"kind: xray\n  daemon_address: {daemon}" if daemon else "kind: none"
    path.write_text(f"""server:
  listen: 127.0.0.1:8080
  base_url: http://localhost:8080
  session_secret: ${{CA_TEST_SECRET}}
  max_upload_mb: 2
  threads: 4
  static_dir: {WEB}
database:
  kind: dynamodb
  user_table: User
  photo_table: Photo
storage:
  kind: s3
  bucket: {bucket}
  prefix: photos
  presign_expires: {expires}
auth:
  kind: local
tracing:
  {tracing}
aws:
  region: {REGION}
  endpoint: {moto.endpoint}
""")
    return path


@pytest.fixture
def stack(moto, aws_env, tmp_path, bins):
    create_contract_tables(moto.client("dynamodb"))
    s3 = moto.client("s3")
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    cfg = write_s3_config(tmp_path / "serve.yaml", moto)
    srv = Serve(bins / "cloudalbum-serve", cfg, tmp_path, env=aws_env)
    try:
        yield dict(srv=srv, s3=s3, moto=moto, base=srv.base)
    finally:
        srv.stop()


def keys_of(s3, prefix="photos/"):
    out = s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix)
    return sorted(o["Key"] for o in out.get("Contents", []))


def upload_one(client, data, name="holiday.jpg"):
    r = client.upload([(name, data)], tags="sea,sun", desc="a day out")
    assert r.status_code == 201, r.text
    (photo,) = r.json()["photos"]
    return photo


def stored_filename(s3, email):
    """The one original stored for email (its generated <uuid4>.jpg name)."""
    base = f"photos/{norm_email(email)}/"
    names = [k[len(base):] for k in keys_of(s3, base) if "/" not in k[len(base):]]
    assert len(names) == 1, keys_of(s3, base)
    return names[0]


def test_upload_stores_contract_keys(stack):
    s3 = stack["s3"]
    alice = new_user(stack["base"], "alice")
    data = jpeg(900, 600)
    photo = upload_one(alice, data)
    name = stored_filename(s3, alice.email)
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}\.jpe?g", name)
    base = f"photos/{norm_email(alice.email)}"
    assert keys_of(s3) == sorted([f"{base}/{name}", f"{base}/grid/{name}", f"{base}/thumbnails/{name}"])
    orig = s3.get_object(Bucket=BUCKET, Key=f"{base}/{name}")
    thumb = s3.get_object(Bucket=BUCKET, Key=f"{base}/thumbnails/{name}")
    assert orig["ContentType"] == "image/jpeg"
    assert thumb["ContentType"] == "image/jpeg"
    assert Image.open(io.BytesIO(orig["Body"].read())).size == (900, 600)
    w, h = Image.open(io.BytesIO(thumb["Body"].read())).size
    assert w <= 300 and h <= 200 and (w == 300 or h == 200)
    grid = s3.get_object(Bucket=BUCKET, Key=f"{base}/grid/{name}")
    assert grid["ContentType"] == "image/jpeg"
    assert Image.open(io.BytesIO(grid["Body"].read())).size == (600, 400)
    # the API keeps its own image URLs; they redirect
    assert photo["thumb_url"] == f"/api/photos/{photo['id']}/image?size=thumb"
    assert photo["original_url"] == f"/api/photos/{photo['id']}/image?size=original"
    assert photo["filename_orig"] == "holiday.jpg"


def test_image_redirects_to_presigned_url(stack):
    s3, moto = stack["s3"], stack["moto"]
    alice = new_user(stack["base"], "alice")
    data = jpeg(640, 480, color=(200, 30, 30))
    photo = upload_one(alice, data)
    name = stored_filename(s3, alice.email)

    r = alice.get(photo["original_url"], allow_redirects=False)
    assert r.status_code == 302, r.text
    loc = r.headers["Location"]
    url = urllib.parse.urlsplit(loc)
    assert f"{url.scheme}://{url.netloc}" == moto.endpoint
    assert url.path == f"/{BUCKET}/photos/{norm_email(alice.email)}/{name}"
    q = urllib.parse.parse_qs(url.query)
    assert q["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert q["X-Amz-Expires"] == ["600"]
    assert re.fullmatch(r"[0-9a-f]{64}", q["X-Amz-Signature"][0])
    assert f"/{REGION}/s3/aws4_request" in q["X-Amz-Credential"][0]
    assert r.headers["Cache-Control"] == "private, max-age=300"
    got = requests.get(loc, timeout=30)
    assert got.status_code == 200
    assert got.content == s3.get_object(
        Bucket=BUCKET, Key=f"photos/{norm_email(alice.email)}/{name}")["Body"].read()
    assert Image.open(io.BytesIO(got.content)).size == (640, 480)

    r = alice.get(photo["thumb_url"], allow_redirects=False)
    assert r.status_code == 302
    loc = r.headers["Location"]
    assert urllib.parse.urlsplit(loc).path == \
        f"/{BUCKET}/photos/{norm_email(alice.email)}/thumbnails/{name}"
    got = requests.get(loc, timeout=30)
    assert got.status_code == 200
    ref = Image.open(io.BytesIO(data))
    ref.thumbnail((300, 200))  # Pillow's size, what the seed made
    assert Image.open(io.BytesIO(got.content)).size == ref.size

    # signed out: no redirect, no URL
    anon = Client(stack["base"])
    r = anon.get(photo["original_url"], allow_redirects=False)
    assert r.status_code == 401 and "Location" not in r.headers


def test_grid_image_redirects_or_is_made_when_missing(stack):
    """A grid image in the bucket: 302 to it. None (a photo from before grid images, or
    migrated): made from the original, stored at its key, sent; then 302."""
    s3 = stack["s3"]
    alice = new_user(stack["base"], "alice")
    photo = upload_one(alice, jpeg(480, 960))
    name = stored_filename(s3, alice.email)
    key = f"photos/{norm_email(alice.email)}/grid/{name}"
    r = alice.get(photo["grid_url"], allow_redirects=False)
    assert r.status_code == 302 and urllib.parse.urlsplit(r.headers["Location"]).path == f"/{BUCKET}/{key}"
    s3.delete_object(Bucket=BUCKET, Key=key)
    r = alice.get(photo["grid_url"], allow_redirects=False)
    assert r.status_code == 200 and r.headers["Content-Type"] == "image/jpeg"
    assert Image.open(io.BytesIO(r.content)).size == (200, 400)
    assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == r.content
    assert alice.get(photo["grid_url"], allow_redirects=False).status_code == 302


def test_total_is_a_dynamodb_count(stack):
    alice = new_user(stack["base"], "alice")
    bob = new_user(stack["base"], "bob")
    ids = [upload_one(alice, jpeg(64, 48), f"n{i}.jpg")["id"] for i in range(3)]
    upload_one(bob, jpeg(64, 48))
    page = alice.get("/api/photos", params={"limit": 1}).json()
    assert page["total"] == 3 and len(page["photos"]) == 1
    assert alice.get("/api/photos", params={"cursor": page["next_cursor"]}).json()["total"] is None
    assert alice.delete(f"/api/photos/{ids[1]}").status_code == 204
    assert alice.get("/api/photos").json()["total"] == 2
    assert bob.get("/api/photos").json()["total"] == 1


def test_list_pages_in_the_taken_or_the_upload_order(stack):
    """No index has the taken date: the server sorts the owner's photos for each page."""
    alice = new_user(stack["base"], "alice")
    user_id = alice.get("/api/me").json()["id"]
    ddb = stack["moto"].client("dynamodb")

    def set_taken(pid, taken):
        key = {"user_id": {"S": user_id}, "id": {"N": str(pid)}}
        if taken is None:  # an item without one (a hand-written tool's); ours always have one
            ddb.update_item(TableName="Photo", Key=key, UpdateExpression="REMOVE taken_date")
        else:
            ddb.update_item(TableName="Photo", Key=key, UpdateExpression="SET taken_date = :t",
                            ExpressionAttributeValues={":t": {"S": taken.replace(" ", "T") + ".000000+0000"}})

    check_album_orders(alice, set_taken)


def test_content_security_policy_names_the_endpoint(stack):
    r = requests.get(stack["base"] + "/healthz", timeout=30)
    csp = r.headers["Content-Security-Policy"]
    directives = {d.split()[0]: d.split()[1:] for d in csp.split(";") if d.strip()}
    img = directives["img-src"]
    assert stack["moto"].endpoint in img
    assert "http:" not in img and "*" not in img
    assert "'self'" in img
    # the rest of the policy is untouched
    assert directives["default-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]


def test_delete_removes_both_objects(stack):
    s3 = stack["s3"]
    alice = new_user(stack["base"], "alice")
    keep = upload_one(alice, jpeg(320, 240), "keep.jpg")
    keep_keys = keys_of(s3)
    gone = upload_one(alice, jpeg(330, 250), "gone.jpg")
    assert len(keys_of(s3)) == 6
    assert alice.delete(f"/api/photos/{gone['id']}").status_code == 204
    assert keys_of(s3) == keep_keys
    assert alice.get(f"/api/photos/{gone['id']}").status_code == 404
    assert alice.get(gone["original_url"], allow_redirects=False).status_code == 404
    assert alice.get(keep["original_url"], allow_redirects=False).status_code == 302


def test_another_users_photo_is_404(stack):
    s3 = stack["s3"]
    alice = new_user(stack["base"], "alice")
    bob = new_user(stack["base"], "bob")
    photo = upload_one(alice, jpeg(320, 240))
    before = keys_of(s3)
    for url in (f"/api/photos/{photo['id']}", photo["original_url"], photo["thumb_url"],
                photo["grid_url"]):
        r = bob.get(url, allow_redirects=False)
        assert r.status_code == 404, (url, r.status_code, r.text)
        assert "Location" not in r.headers
    assert bob.delete(f"/api/photos/{photo['id']}").status_code == 404
    assert keys_of(s3) == before
    assert bob.get("/api/photos").json()["photos"] == []


def test_missing_bucket_stops_serve_at_start(moto, aws_env, tmp_path, bins):
    create_contract_tables(moto.client("dynamodb"))
    cfg = write_s3_config(tmp_path / "serve.yaml", moto, bucket="no-such-bucket-here")
    p = run([bins / "cloudalbum-serve", "--config", cfg, "--listen", "127.0.0.1:0"],
            env=dict(aws_env, CA_TEST_SECRET="s" * 40), check=False, timeout=60)
    assert p.returncode == 1
    assert "no-such-bucket-here" in p.stderr and "stage 2" in p.stderr
    assert "not served by this build" not in p.stderr


def test_stage_2_then_the_launcher(bins, moto, aws_env, tmp_path):
    """make stage-2 && ./cloudalbum-serve: provisioned by the stage binaries, served with the
    generated config through the launcher, which fills in keys for the local endpoint."""
    gen = tmp_path / "generated"
    env = dict(aws_env, CA_BIN=str(bins), MOTO_PORT=str(moto.port), TARGET="local",
               CA_STATE_DIR=str(tmp_path / "state"), GENERATED_DIR=str(gen))
    run([ROOT / "scripts/stage.sh", 2], env=env, timeout=600)
    cfg_path = gen / "local" / "stage-2.yaml"
    cfg = yaml.safe_load(cfg_path.read_text())
    assert cfg["storage"]["kind"] == "s3" and cfg["aws"]["endpoint"] == moto.endpoint
    bucket = cfg["storage"]["bucket"]

    bare = {k: v for k, v in aws_env.items()
            if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL")}
    # without keys the binary itself cannot sign, and says so
    p = run([bins / "cloudalbum-serve", "--config", cfg_path, "--listen", "127.0.0.1:0"],
            env=bare, check=False, timeout=60)
    assert p.returncode == 1, p.stderr
    srv = Serve(ROOT / "cloudalbum-serve", cfg_path, tmp_path, env=dict(bare, CA_BIN=str(bins)))
    try:
        alice = new_user(srv.base, "alice")
        photo = upload_one(alice, jpeg(400, 300))
        r = alice.get(photo["original_url"], allow_redirects=False)
        assert r.status_code == 302
        got = requests.get(r.headers["Location"], timeout=30)
        assert got.status_code == 200
        assert Image.open(io.BytesIO(got.content)).size == (400, 300)
        keys = moto.client("s3").list_objects_v2(Bucket=bucket)["Contents"]
        assert len(keys) == 3  # original, thumbnail, grid image
        assert all(k["Key"].startswith(f"photos/{norm_email(alice.email)}/") for k in keys)
    finally:
        srv.stop()
