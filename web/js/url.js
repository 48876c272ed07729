// url.js — URLs from the server made safe to use (no imports: the built page's boot
// script uses it too).

// A same-origin or http(s) URL from the server, or '' (so that a "javascript:"
// URL can never reach an href or src).
export function safeUrl(url) {
  if (typeof url !== 'string' || url === '') return '';
  try {
    const u = new URL(url, location.href);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : '';
  } catch {
    return '';
  }
}
