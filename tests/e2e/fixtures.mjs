// fixtures.mjs — JPEG photos with GPS for the end-to-end test. Either the
// directory named by CA_E2E_PHOTOS (its first two .jpg/.jpeg files, by name)
// or two photos made here with Pillow (the project venv) and tagged with
// exiftool. What each photo should show (camera, size, place) is read back
// with exiftool, never from the app under test.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const PYTHON = process.env.CA_PYTHON || join(ROOT, '.venv', 'bin', 'python');
const EXIFTOOL = process.env.CA_EXIFTOOL || '/usr/bin/exiftool';

// Files made here live in one scratch directory per process, removed when it exits.
let scratch = null;
function scratchDir(name) {
  if (!scratch) {
    scratch = mkdtempSync(join(tmpdir(), 'ca-e2e-'));
    process.once('exit', () => rmSync(scratch, { recursive: true, force: true }));
  }
  return mkdtempSync(join(scratch, `${name}-`));
}

const GENERATED = [
  { name: 'seoul.jpg', color: [40, 110, 200], lat: 37.5665, lng: 126.978, make: 'CloudAlbumCam', model: 'E2E One', taken: '2021:06:15 10:30:00' },
  { name: 'busan.jpg', color: [220, 120, 40], lat: 35.1796, lng: 129.0756, make: 'CloudAlbumCam', model: 'E2E Two', taken: '2022:01:02 08:05:00' },
];

const DRAW = `
import sys
from PIL import Image, ImageDraw
path, r, g, b = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
im = Image.new("RGB", (640, 480), (r, g, b))
d = ImageDraw.Draw(im)
for i in range(0, 480, 12):
    d.line([(0, i), (640, 480 - i)], fill=(255 - r, 255 - g, 255 - b), width=2)
d.ellipse([420, 60, 560, 200], fill=(250, 220, 120))
d.polygon([(0, 480), (220, 240), (400, 480)], fill=(30, 60, 40))
im.save(path, "JPEG", quality=88)
`;

function generate(dir) {
  return GENERATED.map((spec) => {
    const path = join(dir, spec.name);
    execFileSync(PYTHON, ['-c', DRAW, path, ...spec.color.map(String)]);
    execFileSync(EXIFTOOL, [
      '-q', '-overwrite_original',
      `-Make=${spec.make}`, `-Model=${spec.model}`, `-DateTimeOriginal=${spec.taken}`,
      `-GPSLatitude=${Math.abs(spec.lat)}`, `-GPSLatitudeRef=${spec.lat >= 0 ? 'N' : 'S'}`,
      `-GPSLongitude=${Math.abs(spec.lng)}`, `-GPSLongitudeRef=${spec.lng >= 0 ? 'E' : 'W'}`,
      path,
    ]);
    return path;
  });
}

// What exiftool says about a photo: {path, lat, lng, make, model, width, height}.
export function describe(path) {
  const [info] = JSON.parse(execFileSync(EXIFTOOL, [
    '-json', '-n', '-GPSLatitude', '-GPSLongitude', '-Make', '-Model', '-ImageWidth', '-ImageHeight', path,
  ], { encoding: 'utf8' }));
  if (typeof info.GPSLatitude !== 'number' || typeof info.GPSLongitude !== 'number') {
    throw new Error(`${path} has no GPS position; the end-to-end test needs photos with GPS`);
  }
  return {
    path,
    lat: info.GPSLatitude,
    lng: info.GPSLongitude,
    make: info.Make ? String(info.Make).trim() : '',
    model: info.Model ? String(info.Model).trim() : '',
    width: info.ImageWidth,
    height: info.ImageHeight,
  };
}

// Two photos with GPS, described.
export function photosWithGps() {
  const given = process.env.CA_E2E_PHOTOS;
  let paths;
  if (given) {
    if (!existsSync(given)) throw new Error(`CA_E2E_PHOTOS=${given} does not exist`);
    paths = readdirSync(given).filter((f) => /\.jpe?g$/i.test(f)).sort().slice(0, 2).map((f) => join(given, f));
    if (paths.length < 2) throw new Error(`CA_E2E_PHOTOS=${given} holds fewer than two .jpg files`);
  } else {
    paths = generate(scratchDir('photos'));
  }
  return paths.map(describe);
}

// One JPEG made here: spec {name, color [r,g,b], taken "YYYY:MM:DD HH:MM:SS", lat, lng,
// width, height}; lat/lng optional. Returns its path.
export function makePhoto(spec) {
  const path = join(scratchDir('made'), spec.name);
  execFileSync(PYTHON, ['-c', `
import sys
from PIL import Image, ImageDraw
path, r, g, b, w, h = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
im = Image.new("RGB", (w, h), (r, g, b))
d = ImageDraw.Draw(im)
d.ellipse([w // 4, h // 4, w * 3 // 4, h * 3 // 4], fill=(255 - r, 255 - g, 255 - b))
im.save(path, "JPEG", quality=85)
`, path, ...spec.color.map(String), String(spec.width || 480), String(spec.height || 320)]);
  // spec.taken undefined: a photo without a taken date
  const tags = [...(spec.taken === undefined ? [] : [`-DateTimeOriginal=${spec.taken}`]), '-Make=CloudAlbumCam', '-Model=E2E Zone'];
  if (spec.lat !== undefined) {
    tags.push(`-GPSLatitude=${Math.abs(spec.lat)}`, `-GPSLatitudeRef=${spec.lat >= 0 ? 'N' : 'S'}`,
      `-GPSLongitude=${Math.abs(spec.lng)}`, `-GPSLongitudeRef=${spec.lng >= 0 ? 'E' : 'W'}`);
  }
  execFileSync(EXIFTOOL, ['-q', '-overwrite_original', ...tags, path]);
  return path;
}

// A PNG saved under a .jpg name (the server must refuse it: 415), its name
// `name` (default "not-really.jpg").
export function pngNamedJpg(name = 'not-really.jpg') {
  const path = join(scratchDir('bad'), name);
  execFileSync(PYTHON, ['-c',
    'import sys\nfrom PIL import Image\nImage.new("RGB", (64, 64), (200, 0, 0)).save(sys.argv[1], "PNG")', path]);
  return path;
}
