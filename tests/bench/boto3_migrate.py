#!/usr/bin/env python3
"""The baseline of tests/bench/migrate.sh: the plain boto3 script a team would write first
(batch_writer + upload_file, 8 threads) to move a legacy CloudAlbum deployment (MySQL
rows + the upload folder) into the same tables and bucket cloudalbum-migrate writes.
It is a yardstick, not a migrator: no resume, no verify, no dirty-data handling.

    boto3_migrate.py DB_URL UPLOAD_DIR ENDPOINT BUCKET [--threads 8]

Prints "photos: N in S s, R photos/s" (photos whose original was uploaded).
"""
import os
import sys
import time
import uuid
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

import boto3
import pymysql
from botocore.config import Config


def norm(email):
    return email.replace("@", "_at_").replace(".", "_dot_")


def main():
    db_url, upload, endpoint, bucket = sys.argv[1:5]
    threads = int(sys.argv[sys.argv.index("--threads") + 1]) if "--threads" in sys.argv else 8
    u = urllib.parse.urlsplit(db_url)
    db = pymysql.connect(host=u.hostname, port=u.port or 3306, user=u.username or "root",
                         password=u.password or "", database=u.path.lstrip("/"))
    kw = dict(endpoint_url=endpoint, region_name=os.environ.get("AWS_REGION", "ap-southeast-1"),
              config=Config(max_pool_connections=threads * 2))
    s3 = boto3.client("s3", **kw)
    ddb = boto3.resource("dynamodb", **kw)
    cur = db.cursor()
    cur.execute("SELECT id, username, email, password FROM `User`")
    users = {}
    with ddb.Table("User").batch_writer() as w:
        for lid, name, email, pw in cur.fetchall():
            users[lid] = (uuid.uuid4().hex, email)
            w.put_item(Item={"id": users[lid][0], "email": email, "username": name or "", "password": pw or ""})
    cur.execute("SELECT id, user_id, filename, upload_date, taken_date, filesize FROM `Photo`")
    photos = [r for r in cur.fetchall() if r[1] in users and r[2]]
    start = time.monotonic()

    def one(row):
        pid, uid, fn, up, taken, size = row
        target, email = users[uid]
        folder = os.path.join(upload, norm(email))
        done = 0
        for local, key in ((os.path.join(folder, fn), f"photos/{norm(email)}/{fn}"),
                           (os.path.join(folder, "thumbnails", fn), f"photos/{norm(email)}/thumbnails/{fn}")):
            if os.path.isfile(local):
                s3.upload_file(local, bucket, key, ExtraArgs={"ContentType": "image/jpeg"})
                done = 1
        return (target, pid, fn, str(up or taken or ""), size or 0) if done else None

    with ThreadPoolExecutor(threads) as pool:
        items = [i for i in pool.map(one, photos) if i]
    with ddb.Table("Photo").batch_writer() as w:
        for target, pid, fn, up, size in items:
            w.put_item(Item={"user_id": target, "id": int(time.mktime(time.strptime(up[:19], "%Y-%m-%d %H:%M:%S")) * 1000) + pid % 1000
                             if up else pid, "filename": fn, "upload_date": up, "filesize": size})
    secs = time.monotonic() - start
    print(f"photos: {len(items)} in {secs:.2f} s, {len(items) / secs if secs else 0:.1f} photos/s")


if __name__ == "__main__":
    main()
