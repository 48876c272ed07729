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

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

// A readable date, the raw text when it cannot be parsed, '' when absent.
export function formatDate(value) {
  const d = parseDate(value);
  if (d) return dateFormat.format(d);
  return typeof value === 'string' ? value : '';
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
