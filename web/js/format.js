// format.js — turning API values into text for people. Pure functions.

// "beach, Sun ,, sea" → ["beach", "Sun", "sea"]
export function splitTags(tags) {
  if (typeof tags !== 'string') return [];
  return tags.split(',').map((t) => t.trim()).filter((t) => t !== '');
}

// Tag text from an input box, normalised to the stored comma-separated form.
export function joinTags(text) {
  return splitTags(text).join(',');
}

export function formatBytes(n) {
  const num = Number(n);
  if (!Number.isFinite(num) || num < 0) return '';
  if (num < 1024) return `${num} B`;
  const units = ['KB', 'MB', 'GB'];
  let v = num / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i += 1; }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

// Accepts "2019-05-01 12:00:00", ISO 8601, and PynamoDB's
// "2019-05-01T12:00:00.000000+0000". Returns a Date or null.
export function parseDate(value) {
  if (typeof value !== 'string' || value.trim() === '') return null;
  let s = value.trim().replace(' ', 'T');
  s = s.replace(/([+-]\d\d)(\d\d)$/, '$1:$2');
  s = s.replace(/(\.\d{3})\d+/, '$1');
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d\d:\d\d)?$/.test(s)) return null;
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? null : d;
}

// Two kinds of date come from the API, both in PynamoDB's UTCDateTimeAttribute form
// ("…T…ffffff+0000"; see docs/LAB02.md "What the two dates mean"):
//  - upload_date is an instant: shown in the viewer's time zone (formatInstant);
//  - taken_date is the camera's wall clock where the photo was taken (EXIF has no
//    zone; "+0000" is only the storage label): shown as its digits say, for every
//    viewer (formatTaken).
const instantFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const wallFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });
const dayFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeZone: 'UTC' });

const WALL_CLOCK = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?(?:Z|[+-]\d\d:?\d\d)?$/;

// The wall-clock time a date text names, whatever offset it carries, as a Date
// whose UTC fields are that wall clock; null when it is not a real date.
export function parseWallClock(value) {
  if (typeof value !== 'string') return null;
  const m = WALL_CLOCK.exec(value.trim());
  if (!m) return null;
  const [y, mo, d, hh, mi, ss] = m.slice(1, 7).map((x) => (x === undefined ? 0 : Number(x)));
  const t = new Date(Date.UTC(y, mo - 1, d, hh, mi, ss));
  if (t.getUTCFullYear() !== y || t.getUTCMonth() !== mo - 1 || t.getUTCDate() !== d
    || t.getUTCHours() !== hh || t.getUTCMinutes() !== mi || t.getUTCSeconds() !== ss) return null;
  return t;
}

// An instant (upload_date) in the viewer's zone; the raw text when it cannot be parsed, '' when absent.
export function formatInstant(value) {
  const d = parseDate(value);
  if (d) return instantFormat.format(d);
  return typeof value === 'string' ? value : '';
}

// A taken date as the camera's clock showed it; the raw text when it cannot be parsed, '' when absent.
export function formatTaken(value) {
  const d = parseWallClock(value);
  if (d) return wallFormat.format(d);
  return typeof value === 'string' ? value : '';
}

// Kept for callers that show an instant.
export const formatDate = formatInstant;

// The day a photo belongs to in the album, "YYYY-MM-DD": its taken day as the camera's
// clock says, or (no taken date, or by="uploaded") its upload day in the viewer's zone;
// '' when neither is known.
export function photoDay(photo, by = 'taken') {
  const wall = by === 'taken' && photo ? parseWallClock(photo.taken_date) : null;
  if (wall) return wall.toISOString().slice(0, 10);
  const up = photo ? parseDate(photo.upload_date) : null;
  if (!up) return '';
  const pad = (n) => String(n).padStart(2, '0');
  return `${up.getFullYear()}-${pad(up.getMonth() + 1)}-${pad(up.getDate())}`;
}

// "Monday, July 10, 2023" for a photoDay key; 'Date unknown' for ''.
export function formatDay(key) {
  const d = parseWallClock(key);
  return d ? dayFormat.format(d) : 'Date unknown';
}

// Latitude/longitude from numbers or numeric strings; null when absent,
// not a number, or out of range. (0, 0) counts as "no location": the legacy
// app stored 0 for photos without GPS.
export function toLatLng(lat, lng) {
  if (lat === null || lat === undefined || lat === '' || lng === null || lng === undefined || lng === '') return null;
  const la = Number(lat);
  const ln = Number(lng);
  if (!Number.isFinite(la) || !Number.isFinite(ln)) return null;
  if (la < -90 || la > 90 || ln < -180 || ln > 180) return null;
  if (la === 0 && ln === 0) return null;
  return [la, ln];
}

export function formatCoord(lat, lng) {
  const ll = toLatLng(lat, lng);
  return ll ? `${ll[0].toFixed(5)}, ${ll[1].toFixed(5)}` : '';
}

// A short human title for a photo: description, else tags, else file name.
export function photoTitle(photo) {
  if (!photo) return 'Photo';
  const desc = typeof photo.desc === 'string' ? photo.desc.trim() : '';
  if (desc) return desc;
  const tags = splitTags(photo.tags);
  if (tags.length) return tags.join(', ');
  if (typeof photo.filename_orig === 'string' && photo.filename_orig) return photo.filename_orig;
  return 'Photo';
}

export function placeText(photo) {
  return [photo.address, photo.city, photo.nation]
    .filter((p) => typeof p === 'string' && p.trim() !== '')
    .filter((p, i, all) => all.indexOf(p) === i)
    .join(' · ');
}
