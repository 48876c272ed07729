"""cloudalbum-image exif / thumb against independent tools.

Images are generated at test time with Pillow; EXIF is written by exiftool (Debian's
libimage-exiftool-perl) and by Pillow; thumbnails are compared with Pillow's own
Image.thumbnail((300, 200)) — same dimensions, PSNR above 30 dB.
"""
import io
import json
import math
import random
import shutil
import struct
import time

import pytest
from PIL import Image, ImageChops, ImageDraw, ImageOps, ImageStat

from helpers import run

EXIFTOOL = shutil.which("exiftool")
needs_exiftool = pytest.mark.skipif(EXIFTOOL is None, reason="exiftool (libimage-exiftool-perl) not installed")


@pytest.fixture(scope="module")
def cli(bins):
    return bins / "cloudalbum-image"


def photo(w, h, seed=0):
    """A photo-like RGB image: smooth colour fields and a few hard edges. As in real photos,
    the colour varies slowly (detail scales with the frame), so a 4:2:0 JPEG can hold it."""
    rnd = random.Random(seed)
    sw, sh = min(w, 24), min(h, 16)
    base = Image.new("RGB", (sw, sh))
    base.putdata([(int(127 + 100 * math.sin(x / max(sw, 1) * 3 + seed)),
                   int(127 + 100 * math.cos(y / max(sh, 1) * 2 + seed)),
                   rnd.randrange(60, 200)) for y in range(sh) for x in range(sw)])
    im = base.resize((w, h), Image.Resampling.BICUBIC)
    draw = ImageDraw.Draw(im)
    for _ in range(12):
        x0, y0 = rnd.randrange(w), rnd.randrange(h)
        x1, y1 = x0 + rnd.randrange(1, max(2, w // 3)), y0 + rnd.randrange(1, max(2, h // 3))
        colour = tuple(rnd.randrange(256) for _ in range(3))
        if rnd.random() < 0.5:
            draw.ellipse((x0, y0, x1, y1), fill=colour)
        else:
            draw.line((x0, y0, x1, y1), fill=colour, width=max(1, min(w, h) // 100))
    return im


def psnr(a, b):
    assert a.size == b.size
    diff = ImageChops.difference(a.convert("RGB"), b.convert("RGB"))
    mse = sum(ImageStat.Stat(diff).sum2) / (a.width * a.height * 3)
    return 100.0 if mse == 0 else 10 * math.log10(255 ** 2 / mse)


def exif_json(cli, path):
    return json.loads(run([cli, "exif", path]).stdout)


def exiftool(path, *args):
    run([EXIFTOOL, "-q", "-overwrite_original", *args, path])


def pillow_thumb(path, box=(300, 200), upright=False):
    """Pillow's thumbnail as a thumbnail file holds it: saved as JPEG at quality 85, as
    ours is (comparing a JPEG with unencoded pixels would measure JPEG's own loss, which
    on tiny thumbnails of sharp images alone is below 30 dB)."""
    im = Image.open(path)
    if upright:
        im = ImageOps.exif_transpose(im)
    im.thumbnail(box)
    buf = io.BytesIO()
    im.convert("RGB").save(buf, "JPEG", quality=85)
    buf.seek(0)
    return Image.open(buf).convert("RGB")


# ---------------------------------------------------------------- EXIF

HEMISPHERES = [  # (lat, lng) as signed decimal degrees: one city per quarter of the globe
    (37.5665, 126.9780),     # Seoul: N, E
    (-33.8688, 151.2093),    # Sydney: S, E
    (40.7128, -74.0060),     # New York: N, W
    (-22.9068, -43.1729),    # Rio de Janeiro: S, W
]


@needs_exiftool
@pytest.mark.parametrize("lat,lng", HEMISPHERES)
def test_exif_every_field_written_by_exiftool(cli, tmp_path, lat, lng):
    path = tmp_path / "p.jpg"
    photo(640, 480, seed=3).save(path, quality=90)
    exiftool(path, "-Make=Canon", "-Model=Canon EOS 80D", "-DateTimeOriginal=2018:11:23 07:08:09",
             "-Orientation#=3", "-ExifImageWidth=6000", "-ExifImageHeight=4000",
             f"-GPSLatitude={abs(lat)}", f"-GPSLatitudeRef={'N' if lat >= 0 else 'S'}",
             f"-GPSLongitude={abs(lng)}", f"-GPSLongitudeRef={'E' if lng >= 0 else 'W'}")
    # what exiftool itself reads back, as numbers
    ref = json.loads(run([EXIFTOOL, "-j", "-n", "-GPSLatitude", "-GPSLongitude", path]).stdout)[0]
    got = exif_json(cli, path)
    assert got["make"] == "Canon"
    assert got["model"] == "Canon EOS 80D"
    assert got["taken_date"] == "2018-11-23 07:08:09"
    assert got["orientation"] == 3
    assert (got["width"], got["height"]) == (640, 480)
    assert (got["exif_width"], got["exif_height"]) == (6000, 4000)
    assert got["latitude_ref"] == ("N" if lat >= 0 else "S")
    assert got["longitude_ref"] == ("E" if lng >= 0 else "W")
    assert got["latitude"] == pytest.approx(lat, abs=1e-6)
    assert got["longitude"] == pytest.approx(lng, abs=1e-6)
    assert abs(got["latitude"]) == pytest.approx(abs(ref["GPSLatitude"]), abs=1e-7)
    assert abs(got["longitude"]) == pytest.approx(abs(ref["GPSLongitude"]), abs=1e-7)


@needs_exiftool
@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_all_orientations_exiftool(cli, tmp_path, orientation):
    path = tmp_path / "o.jpg"
    photo(64, 48).save(path)
    exiftool(path, f"-Orientation#={orientation}")
    assert exif_json(cli, path)["orientation"] == orientation


def test_exif_written_by_pillow(cli, tmp_path):
    """A second, independent writer: Pillow's Exif object, GPS as DMS rationals."""
    from PIL import TiffImagePlugin
    R = TiffImagePlugin.IFDRational
    exif = Image.Exif()
    exif[0x010F] = "FUJIFILM"
    exif[0x0110] = "X-T3"
    exif[0x0112] = 8
    exif.get_ifd(0x8769)[0x9003] = "2020:02:29 12:00:00"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "S", (R(33, 1), R(55, 1), R(1234, 100))
    gps[3], gps[4] = "W", (R(70, 1), R(38, 1), R(5, 1))
    path = tmp_path / "pil.jpg"
    photo(320, 200).save(path, exif=exif)
    got = exif_json(cli, path)
    assert (got["make"], got["model"], got["orientation"]) == ("FUJIFILM", "X-T3", 8)
    assert got["taken_date"] == "2020-02-29 12:00:00"
    assert got["latitude"] == pytest.approx(-(33 + 55 / 60 + 12.34 / 3600), abs=1e-9)
    assert got["longitude"] == pytest.approx(-(70 + 38 / 60 + 5 / 3600), abs=1e-9)
    assert got["exif_width"] is None


def test_exif_none_gives_nulls(cli, tmp_path):
    path = tmp_path / "plain.jpg"
    photo(100, 80).save(path)
    got = exif_json(cli, path)
    assert got["has_exif"] is False
    assert (got["width"], got["height"]) == (100, 80)
    for key in ("make", "model", "taken_date", "orientation", "latitude", "longitude",
                "latitude_ref", "longitude_ref", "exif_width", "exif_height"):
        assert got[key] is None, key


def tiff_ifd(entries, offset, byteorder="<"):
    """Packs one IFD at `offset`: entries are (tag, type, count, 4-byte value field)."""
    out = struct.pack(byteorder + "H", len(entries))
    for tag, typ, count, value in entries:
        out += struct.pack(byteorder + "HHI", tag, typ, count) + value
    return out + struct.pack(byteorder + "I", 0)


def splice_app1(jpeg, payload):
    seg = b"Exif\0\0" + payload
    return jpeg[:2] + b"\xff\xe1" + struct.pack(">H", len(seg) + 2) + seg + jpeg[2:]


def test_exif_hostile_structures(cli, tmp_path):
    base = tmp_path / "b.jpg"
    photo(64, 48).save(base)
    jpeg = base.read_bytes()
    cases = {
        # count 0xFFFFFFFF ASCII with an offset far past the end
        "huge_count": b"II*\0\x08\0\0\0" + tiff_ifd([(0x010F, 2, 0xFFFFFFFF, b"\x10\0\0\0")], 8),
        # first IFD offset outside the segment
        "bad_ifd_offset": b"II*\0\xf0\xff\xff\x7f",
        # EXIF sub-IFD pointer back to IFD0 (a loop), GPS pointer past the end
        "loop": b"MM\0*\0\0\0\x08" + tiff_ifd([(0x8769, 4, 1, b"\0\0\0\x08"),
                                                (0x8825, 4, 1, b"\xff\xff\xff\xf0")], 8, ">"),
        # GPS rationals with zero denominators and an absurd latitude
        "gps_nonsense": b"II*\0\x08\0\0\0" + tiff_ifd([(0x8825, 4, 1, struct.pack("<I", 26))], 8)
        + tiff_ifd([(1, 2, 2, b"N\0\0\0"), (2, 5, 3, struct.pack("<I", 80)),
                    (3, 2, 2, b"Q\0\0\0"), (4, 5, 3, struct.pack("<I", 104))], 26)
        + struct.pack("<6I", 95, 1, 0, 0, 0, 0) + struct.pack("<6I", 10, 0, 0, 1, 0, 1),
        # an entry count claiming 65535 entries in a 20-byte segment
        "entry_count": b"II*\0\x08\0\0\0\xff\xff" + b"\0" * 10,
        "random": bytes(random.Random(7).randrange(256) for _ in range(3000)),
    }
    for name, payload in cases.items():
        path = tmp_path / f"{name}.jpg"
        path.write_bytes(splice_app1(jpeg, payload))
        started = time.monotonic()
        p = run([cli, "exif", path], check=False, timeout=30)
        assert time.monotonic() - started < 10, name
        assert p.returncode == 0, (name, p.stderr)
        got = json.loads(p.stdout)
        assert (got["width"], got["height"]) == (64, 48), name
        assert got["latitude"] is None and got["make"] is None, name


# ---------------------------------------------------------------- thumbnails

SIZES = [(4000, 3000), (3000, 4000), (3000, 2000), (2000, 3000), (1920, 1080), (1080, 1920),
         (2400, 1600), (2401, 1601), (1234, 567), (1000, 1000), (640, 480), (601, 401),
         (333, 777), (301, 201), (300, 200), (299, 201), (200, 300), (150, 100), (17, 9),
         (1, 1), (5000, 16), (16, 5000), (3001, 7)]


@pytest.mark.parametrize("w,h", SIZES)
def test_thumb_matches_pillow(cli, tmp_path, w, h):
    orig, ours = tmp_path / "o.jpg", tmp_path / "t.jpg"
    photo(w, h, seed=w * 7 + h).save(orig, quality=92)
    out = json.loads(run([cli, "thumb", orig, ours]).stdout)
    theirs = pillow_thumb(orig)
    mine = Image.open(ours)
    assert mine.format == "JPEG"
    assert mine.size == theirs.size, f"{w}x{h}: ours {mine.size}, Pillow {theirs.size}"
    assert (out["width"], out["height"]) == theirs.size
    assert out["bytes"] == ours.stat().st_size
    quality = psnr(mine, theirs)
    assert quality > 30, f"{w}x{h}: PSNR {quality:.1f} dB"


@pytest.mark.parametrize("box", [(100, 100), (64, 48), (500, 20), (1, 1)])
def test_thumb_other_boxes_match_pillow(cli, tmp_path, box):
    orig, ours = tmp_path / "o.jpg", tmp_path / "t.jpg"
    photo(1600, 1200, seed=5).save(orig, quality=92)
    run([cli, "thumb", "--width", box[0], "--height", box[1], orig, ours])
    theirs = pillow_thumb(orig, box)
    mine = Image.open(ours)
    assert mine.size == theirs.size
    assert psnr(mine, theirs) > 30


@needs_exiftool
@pytest.mark.parametrize("orientation", range(1, 9))
def test_thumb_orientation_matches_exif_transpose(cli, tmp_path, orientation):
    orig, ours = tmp_path / "o.jpg", tmp_path / "t.jpg"
    im = photo(1200, 800, seed=orientation)
    ImageDraw.Draw(im).rectangle((0, 0, 300, 200), fill=(255, 0, 0))  # mark the stored top-left
    im.save(orig, quality=92)
    exiftool(orig, f"-Orientation#={orientation}")
    run([cli, "thumb", orig, ours])
    theirs = pillow_thumb(orig, upright=True)
    mine = Image.open(ours)
    assert mine.size == theirs.size
    assert mine.size == ((300, 200) if orientation <= 4 else (133, 200))
    assert psnr(mine, theirs) > 30


def test_thumb_progressive_grey_and_cmyk(cli, tmp_path):
    src = photo(900, 600, seed=11)
    variants = {"progressive": (src, dict(progressive=True)), "grey": (src.convert("L"), {}),
                "cmyk": (src.convert("CMYK"), {})}
    for name, (im, kw) in variants.items():
        orig, ours = tmp_path / f"{name}.jpg", tmp_path / f"{name}-t.jpg"
        im.save(orig, quality=92, **kw)
        run([cli, "thumb", orig, ours])
        theirs = pillow_thumb(orig)
        mine = Image.open(ours)
        assert mine.size == theirs.size == (300, 200), name
        assert psnr(mine, theirs) > 30, name


# ---------------------------------------------------------------- hostile input and CLI

def bomb_bytes(w, h):
    sof = struct.pack(">BHHB", 8, h, w, 3) + b"\x01\x22\x00\x02\x11\x01\x03\x11\x01"
    return b"\xff\xd8\xff\xc0" + struct.pack(">H", len(sof) + 2) + sof + b"\xff\xda"


@pytest.mark.parametrize("cmd", ["thumb", "exif"])
def test_refuses_hostile_files(cli, tmp_path, cmd):
    good = tmp_path / "good.jpg"
    photo(800, 600).save(good, quality=90)
    data = good.read_bytes()
    png = tmp_path / "really-a-png.jpg"
    photo(50, 50).save(png, format="PNG")
    cases = {
        "png": (png, "PNG"),
        "bomb": (tmp_path / "bomb.jpg", "over the limit"),
        "empty": (tmp_path / "empty.jpg", "empty"),
        "header_cut": (tmp_path / "cut.jpg", "truncated"),
    }
    cases["bomb"][0].write_bytes(bomb_bytes(60000, 60000))
    cases["empty"][0].write_bytes(b"")
    cases["header_cut"][0].write_bytes(data[:40])
    if cmd == "thumb":
        cases["truncated"] = (tmp_path / "trunc.jpg", "corrupt or truncated")
        cases["truncated"][0].write_bytes(data[: len(data) * 2 // 3])
        cases["garbage_scan"] = (tmp_path / "garbage.jpg", "corrupt")
        body = bytearray(data)
        body[len(body) // 2: len(body) // 2 + 64] = b"\xff\xd9" * 32
        cases["garbage_scan"][0].write_bytes(bytes(body))
    for name, (path, words) in cases.items():
        out = tmp_path / "out.jpg"
        argv = [cli, "thumb", path, out] if cmd == "thumb" else [cli, "exif", path]
        started = time.monotonic()
        p = run(argv, check=False, timeout=30)
        assert time.monotonic() - started < 5, name
        assert p.returncode == 1, (name, p.returncode, p.stderr)
        assert words in p.stderr, (name, p.stderr)
        assert p.stdout == "", name
        assert not out.exists(), name


def test_pixel_cap_option(cli, tmp_path):
    orig = tmp_path / "o.jpg"
    photo(400, 300).save(orig)
    p = run([cli, "thumb", "--max-pixels", "119999", orig, tmp_path / "t.jpg"], check=False)
    assert p.returncode == 1 and "over the limit" in p.stderr
    run([cli, "thumb", "--max-pixels", "120000", orig, tmp_path / "t.jpg"])
    p = run([cli, "exif", "--max-pixels", "1000", orig], check=False)
    assert p.returncode == 1


def test_cli_usage(cli, tmp_path):
    for sub in ("thumb", "exif"):
        p = run([cli, sub, "--help"])
        assert "usage: cloudalbum-image " + sub in p.stdout
        p = run([cli, sub], check=False)
        assert p.returncode == 2 and "usage:" in p.stderr
    orig = tmp_path / "o.jpg"
    photo(100, 100).save(orig)
    for bad in (["--width", "0"], ["--height", "x"], ["--quality", "101"], ["--bogus"], ["--width"]):
        p = run([cli, "thumb", *bad, orig, tmp_path / "t.jpg"], check=False)
        assert p.returncode == 2, bad
    p = run([cli, "thumb", orig, tmp_path / "t.jpg", "extra"], check=False)
    assert p.returncode == 2
    p = run([cli, "exif", tmp_path / "missing.jpg"], check=False)
    assert p.returncode == 1 and "missing.jpg" in p.stderr
    p = run([cli, "thumb", orig, tmp_path / "no-such-dir" / "t.jpg"], check=False)
    assert p.returncode == 1 and "no-such-dir" in p.stderr
    # --name=value works too
    p = run([cli, "thumb", "--width=50", "--height=50", orig, tmp_path / "t.jpg"])
    assert json.loads(p.stdout)["width"] == 50
