#!/usr/bin/env bash
# Thumbnails per second on the same 100 camera-like photos (50 at 3000x2000, 50 at
# 4000x3000), fitted into 300x200 and written as JPEG quality 85: ours (lib/image through
# $CA_BENCH/thumb_bench), Pillow's Image.thumbnail, and libvips' vipsthumbnail, all
# measured in this run and printed as ratios against Pillow. Each tool goes through the
# 100 photos $ROUNDS times (default 3) and its fastest round counts, so that a first
# round's warm-up or a moment of other load on the machine does not decide a ratio.
#
# The photos are generated once into $CA_BENCH_PHOTOS (default a directory under
# ${TMPDIR:-/tmp}) and reused by later runs.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
PY=${PY:-$ROOT/.venv/bin/python}
CA_BENCH=${CA_BENCH:-$ROOT/build/bench}
PHOTOS=${CA_BENCH_PHOTOS:-${TMPDIR:-/tmp}/cloudalbum-bench-photos-v1}
BENCH=$CA_BENCH/thumb_bench
ROUNDS=${ROUNDS:-3}

[ -x "$BENCH" ] || { echo "thumbs.sh: $BENCH is missing: run 'make bench'" >&2; exit 1; }
[ -x "$PY" ] || { echo "thumbs.sh: no Python virtualenv at $PY: run 'make deps'" >&2; exit 1; }

mkdir -p "$PHOTOS"
if [ "$(find "$PHOTOS" -name 'photo-*.jpg' | wc -l)" -lt 100 ]; then
  echo "generating 100 photos into $PHOTOS (once)..."
  "$PY" - "$PHOTOS" <<'EOF'
import random, sys
from PIL import Image, ImageDraw, ImageFilter, ImageOps

out = sys.argv[1]

def base(w, h, seed):
    """Smooth colour fields, hard-edged shapes and sensor-like grain, as a camera makes."""
    rnd = random.Random(seed)
    im = Image.new("RGB", (24, 16))
    im.putdata([tuple(rnd.randrange(40, 220) for _ in range(3)) for _ in range(24 * 16)])
    im = im.resize((w, h), Image.Resampling.BICUBIC)
    d = ImageDraw.Draw(im)
    for _ in range(40):
        x, y = rnd.randrange(w), rnd.randrange(h)
        s = rnd.randrange(w // 40, w // 5)
        c = tuple(rnd.randrange(256) for _ in range(3))
        if rnd.random() < 0.5:
            d.ellipse((x, y, x + s, y + s * 2 // 3), fill=c)
        else:
            d.line((x, y, x + s, y + rnd.randrange(-s, s)), fill=c, width=max(2, s // 30))
    im = im.filter(ImageFilter.GaussianBlur(1.2))
    grain = Image.effect_noise((w, h), 24).convert("RGB")
    return Image.blend(im, grain, 0.12)

bases = {size: [base(*size, seed=i * 31 + size[0]) for i in range(3)]
         for size in ((3000, 2000), (4000, 3000))}
for i in range(100):
    size = (3000, 2000) if i % 2 == 0 else (4000, 3000)
    im = bases[size][i % 3]
    if i % 4 >= 2:
        im = ImageOps.mirror(im)
    im = im.copy()
    ImageDraw.Draw(im).rectangle((i * 17, i * 11, i * 17 + 200, i * 11 + 150), fill=(i, 255 - i, 128))
    exif = Image.Exif()
    exif[0x010F], exif[0x0110], exif[0x0112] = "BenchCam", f"Model {i % 5}", 1
    im.save(f"{out}/photo-{i:03d}.jpg", quality=90, exif=exif)
EOF
fi

mapfile -t FILES < <(find "$PHOTOS" -name 'photo-*.jpg' | sort | head -100)
cat "${FILES[@]}" >/dev/null   # every tool starts with the files in the page cache
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

rate_of() { sed -n 's/.*per_second=\([0-9.]*\).*/\1/p'; }

# Pillow in N worker processes (N=1: in this one), each thumbnailing its share; the
# fastest of $ROUNDS rounds.
pillow_rate() {
  "$PY" - "$1" "$ROUNDS" "${FILES[@]}" <<'EOF' | rate_of
import io, sys, time
from multiprocessing import Pool
from PIL import Image

def thumb(f):
    im = Image.open(f)
    im.thumbnail((300, 200))
    im.save(io.BytesIO(), "JPEG", quality=85)

procs, rounds, files = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
best = None
pool = Pool(procs) if procs > 1 else None
for _ in range(rounds):
    t0 = time.monotonic()
    if pool:
        pool.map(thumb, files, chunksize=1)
    else:
        for f in files:
            thumb(f)
    t = time.monotonic() - t0
    best = t if best is None or t < best else best
if pool:
    pool.close()
print(f"per_second={len(files) / best:.2f}")
EOF
}
ncpu=$(nproc)
pillow=$(pillow_rate 1)
pillown=$(pillow_rate "$ncpu")
ours1=$("$BENCH" --threads 1 --rounds "$ROUNDS" "${FILES[@]}" | rate_of)
oursn=$("$BENCH" --threads "$ncpu" --rounds "$ROUNDS" "${FILES[@]}" | rate_of)
vips=""
if command -v vipsthumbnail >/dev/null; then
  for _ in $(seq "$ROUNDS"); do
    t0=$(date +%s.%N)
    VIPS_CONCURRENCY=1 vipsthumbnail --size 300x200 -o "$OUT/%s.jpg[Q=85]" "${FILES[@]}"
    t1=$(date +%s.%N)
    vips=$(awk -v n="${#FILES[@]}" -v a="$t0" -v b="$t1" -v best="${vips:-0}" \
      'BEGIN { r = n / (b - a); printf "%.2f", (r > best ? r : best) }')
  done
fi

pillow_ver=$("$PY" -c 'import PIL; print(PIL.__version__)')
echo "thumbnails of ${#FILES[@]} photos (3000x2000 and 4000x3000) into 300x200, JPEG quality 85;"
echo "each tool's fastest of $ROUNDS rounds"
printf '%-34s %10s %10s\n' "tool" "thumbs/s" "x Pillow"
row() { awk -v name="$1" -v r="$2" -v base="$pillow" 'BEGIN { printf "%-34s %10.2f %10.2f\n", name, r, r / base }'; }
row "Pillow $pillow_ver thumbnail (1 thread)" "$pillow"
row "Pillow, $ncpu processes" "$pillown"
row "ours, 1 thread" "$ours1"
row "ours, $ncpu threads" "$oursn"
[ -n "$vips" ] && row "vipsthumbnail (1 thread)" "$vips"
awk -v a="$ours1" -v b="$pillow" -v an="$oursn" -v bn="$pillown" -v n="$ncpu" 'BEGIN {
  r = a / b
  printf "target ours (1 thread) >= 3.00x Pillow (1 thread): %.2fx, %s\n", r, r >= 3 ? "met" : "NOT met"
  printf "ours (%d threads) vs Pillow (1 thread): %.2fx; vs Pillow (%d processes): %.2fx\n",
    n, an / b, n, an / bn }'
