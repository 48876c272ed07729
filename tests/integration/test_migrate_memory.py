"""cloudalbum-migrate reads the legacy Photo table a chunk of whole users at a time, so
its memory does not grow with the table. Asserted as memory, not time: the peak resident
set (VmHWM, which the binary reports with CA_MIGRATE_PEAK_RSS) of `plan` over 20,000 rows stays
under 1.3 times that over 2,000 rows (holding every row, as it used to, made it ~2
times). tests/bench/migrate_memory.sh measures the same at 20,000 and 200,000 rows."""
import io
import os
import re
from pathlib import Path

from PIL import Image

from dirty_legacy import norm
from helpers import MYSQL, fresh_mysql_database, run

ROOT = Path(__file__).resolve().parents[2]
USERS, SMALL, LARGE = 50, 2000, 20000


def grow(cur, upload, rows, files):
    """Photo rows up to `rows` (ids 1..rows, users round robin, every column filled), with
    their original and thumbnail as hard links to two small JPEGs."""
    cur.execute("SELECT COALESCE(MAX(id), 0) FROM `Photo`")
    have = cur.fetchone()[0]
    batch = []
    for i in range(have + 1, rows + 1):
        u = (i - 1) % USERS + 1
        name = f"{i:08d}-a-photo-with-a-realistic-length-name.jpg"
        folder = upload / norm(f"user{u}@bench.example")
        os.link(files[0], folder / name)
        os.link(files[1], folder / "thumbnails" / name)
        batch.append((i, u, "tag1,tag2,tag3", "A description of a realistic length. " * 4,
                      f"IMG_{i % 10000:04d}.JPG", name, 2000 + i % 1000, 37.5, 126.9,
                      "2020-01-01 00:00:00", "2019-12-31 12:00:00", "Canon", "EOS 5D Mark IV",
                      "6720", "4480", "Seoul", "South Korea", "Jung-gu, Seoul, South Korea"))
    for k in range(0, len(batch), 5000):
        cur.executemany(
            "INSERT INTO `Photo` (id, user_id, tags, `desc`, filename_orig, filename, filesize, "
            "geotag_lat, geotag_lng, upload_date, taken_date, make, model, width, height, city, "
            "nation, address) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, "
            "%s, %s, %s)", batch[k:k + 5000])


def test_plan_memory_does_not_grow_with_the_photo_table(bins, moto, aws_env, tmp_path):
    import pymysql
    from test_migrate_shard import config, provision
    provision(moto, "Mem")
    cfg = config(tmp_path, moto, "Mem")
    upload = tmp_path / "upload"
    for u in range(1, USERS + 1):
        (upload / norm(f"user{u}@bench.example") / "thumbnails").mkdir(parents=True)
    files = []
    for name, size in (("orig.jpg", (64, 48)), ("thumb.jpg", (32, 24))):
        b = io.BytesIO()
        Image.new("RGB", size, (90, 120, 200)).save(b, "JPEG", quality=70)
        (tmp_path / name).write_bytes(b.getvalue())
        files.append(tmp_path / name)
    with fresh_mysql_database("ca_mem_") as (db, url):
        conn = pymysql.connect(**MYSQL, database=db, autocommit=True, charset="utf8mb4")
        cur = conn.cursor()
        schema = re.sub(r"--[^\n]*", "", (ROOT / "lib" / "db" / "legacy_schema.sql").read_text())
        for stmt in [s.strip() for s in schema.split(";") if s.strip()]:
            cur.execute(stmt)
        cur.executemany("INSERT INTO `User` (id, username, email, password) VALUES (%s, %s, %s, %s)",
                        [(u, f"User {u}", f"user{u}@bench.example", "pbkdf2:sha256:1$s$00")
                         for u in range(1, USERS + 1)])
        cmd = [str(bins / "cloudalbum-migrate"), "plan", "--from-db", url, "--from-dir",
               str(upload), "--to", str(cfg), "--state", str(tmp_path / "state")]
        peaks = {}
        for rows in (SMALL, LARGE):
            grow(cur, upload, rows, files)
            # a sanitizer build keeps what is freed in a quarantine: memory a build
            # without ASan reuses. No quarantine here, so both builds measure the same
            asan = ":".join(filter(None, [aws_env.get("ASAN_OPTIONS"), "quarantine_size_mb=0",
                                          "thread_local_quarantine_size_kb=0"]))
            p = run(cmd, env=dict(aws_env, CA_MIGRATE_PEAK_RSS="1", ASAN_OPTIONS=asan), check=False,
                    timeout=600)
            out = p.stdout
            assert p.returncode == 0, out + p.stderr
            # the binary's own VmHWM: a parent's rusage would count pytest's memory too
            m = re.search(r"^cloudalbum-migrate: peak RSS (\d+) kB$", p.stderr, re.M)
            assert m, p.stderr
            assert f"photos: {rows} legacy rows, {rows} to migrate" in out
            assert f"objects: {rows} originals and {rows} thumbnails" in out
            peaks[rows] = int(m.group(1))
        conn.close()
    assert peaks[LARGE] < 1.3 * peaks[SMALL], peaks
