// api.js — the JSON API of cloudalbum-serve (docs/CONTRACTS.md "The JSON API").
// Errors arrive as {"error", "message"} with a status; they become ApiError,
// whose message is the server's sentence, ready to show to the user.
import { takePreloaded } from './preload.js';

const TIMEOUT_MS = 30000;
const UPLOAD_TIMEOUT_MS = 10 * 60 * 1000;

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;   // HTTP status, 0 when the server could not be reached
    this.code = code;       // the server's "error" field, or a local one
  }
}

// Fired on window when the server says we are not signed in (401), so the
// router can send the user to the sign-in page.
export const UNAUTHORIZED_EVENT = 'ca:unauthorized';

// The double-submit CSRF token: the csrf_token cookie, echoed in X-CSRF-Token.
export function csrfToken() {
  for (const part of document.cookie.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === 'csrf_token') {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return part.slice(eq + 1).trim();
      }
    }
  }
  return '';
}

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function fallbackMessage(status) {
  switch (status) {
    case 400: return 'The server could not accept that input.';
    case 401: return 'Please sign in.';
    case 403: return 'That is not allowed; reload the page and try again.';
    case 404: return 'Not found; it may have been deleted.';
    case 409: return 'That conflicts with something that already exists.';
    case 413: return 'The file is too large.';
    case 415: return 'The file is not a JPEG image.';
    case 429: return 'Too many attempts; wait a minute and try again.';
    default: return `The server answered with an error (${status}); try again later.`;
  }
}

// Turns a response status and body text into an ApiError.
function errorFrom(status, text) {
  let code = `http_${status}`;
  let message = fallbackMessage(status);
  try {
    const body = JSON.parse(text);
    if (body && typeof body.error === 'string') code = body.error;
    if (body && typeof body.message === 'string' && body.message.trim()) message = body.message;
  } catch {
    // not JSON: keep the fallback sentence
  }
  return new ApiError(status, code, message);
}

function signalUnauthorized(method, path) {
  // The session endpoints answer 401 for a wrong password: that is not "signed
  // out"; and GET /api/me is how the router itself asks, so it handles that 401.
  const quiet = path === '/api/session' || path === '/api/users' || (method === 'GET' && path === '/api/me');
  if (!quiet) {
    window.dispatchEvent(new CustomEvent(UNAUTHORIZED_EVENT));
  }
}

// request('GET', '/api/photos', {query: {q, limit}}) → parsed JSON, or null for 204.
// body (an object) is sent as JSON. Throws ApiError.
export async function request(method, path, { body, query } = {}) {
  let url = path;
  if (query) {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) {
      if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
    }
    const qs = params.toString();
    if (qs) url += `?${qs}`;
  }
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (STATE_CHANGING.has(method)) headers['X-CSRF-Token'] = csrfToken();

  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
  let resp;
  let text;
  try {
    // the first view's GETs may have been fetched already (preload.js)
    const early = method === 'GET' ? takePreloaded(url) : null;
    resp = (early && await early) || await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      signal: controller.signal,
    });
    text = await resp.text();
  } catch (e) {
    throw new ApiError(0, 'network', e && e.name === 'AbortError'
      ? 'The server took too long to answer; try again.'
      : 'Could not reach the server; check your connection and try again.');
  } finally {
    clearTimeout(timer);
  }
  if (!resp.ok) {
    if (resp.status === 401) signalUnauthorized(method, path);
    throw errorFrom(resp.status, text);
  }
  if (resp.status === 204 || text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(resp.status, 'bad_response', 'The server sent an answer this page cannot read.');
  }
}

// Uploads one or more files (multipart: "file" parts, "tags", "desc") with
// XMLHttpRequest so that progress can be shown: onProgress(loadedBytes, totalBytes).
// Resolves to the 201 body {photos}; rejects with ApiError.
export function uploadPhotos(files, tags, desc, onProgress) {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    for (const file of files) form.append('file', file, file.name);
    form.append('tags', tags || '');
    form.append('desc', desc || '');

    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/photos');
    xhr.timeout = UPLOAD_TIMEOUT_MS;
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.setRequestHeader('X-CSRF-Token', csrfToken());
    xhr.upload.addEventListener('progress', (ev) => {
      if (ev.lengthComputable && onProgress) onProgress(ev.loaded, ev.total);
    });
    xhr.addEventListener('load', () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        try {
          resolve(JSON.parse(xhr.responseText || '{}'));
        } catch {
          reject(new ApiError(xhr.status, 'bad_response', 'The server sent an answer this page cannot read.'));
        }
        return;
      }
      if (xhr.status === 401) signalUnauthorized('POST', '/api/photos');
      reject(errorFrom(xhr.status, xhr.responseText));
    });
    xhr.addEventListener('error', () => reject(new ApiError(0, 'network',
      'The upload was interrupted; check your connection and try again.')));
    xhr.addEventListener('timeout', () => reject(new ApiError(0, 'network',
      'The upload took too long; try fewer or smaller files.')));
    xhr.send(form);
  });
}

const photoPath = (id) => `/api/photos/${encodeURIComponent(String(id))}`;

export const api = {
  config: () => request('GET', '/api/config'),
  me: () => request('GET', '/api/me'),
  updateMe: (changes) => request('PUT', '/api/me', { body: changes }),
  signUp: (email, username, password) => request('POST', '/api/users', { body: { email, username, password } }),
  // newPassword: only after the server answered 403 "new_password_required" (a migrated
  // user whose legacy password the Cognito pool's rules refuse); it then becomes the password.
  signIn: (email, password, newPassword) => request('POST', '/api/session', {
    body: newPassword === undefined ? { email, password } : { email, password, new_password: newPassword },
  }),
  signOut: () => request('DELETE', '/api/session'),
  // sort: 'taken' | 'uploaded' (the API's default); a cursor belongs to its sort
  photos: ({ q, limit, sort, cursor } = {}) => request('GET', '/api/photos', { query: { q, limit, sort, cursor } }),
  photo: (id) => request('GET', photoPath(id)),
  updatePhoto: (id, changes) => request('PATCH', photoPath(id), { body: changes }),
  deletePhoto: (id) => request('DELETE', photoPath(id)),
  map: () => request('GET', '/api/map'),
};
