// app.js — the single-page app: hash routes, the signed-in user, the top bar.
import { api, ApiError, UNAUTHORIZED_EVENT } from './api.js';
import { replace, h } from './dom.js';
import * as signin from './views/signin.js';
import * as signup from './views/signup.js';
import * as album from './views/album.js';
import * as photo from './views/photo.js';
import * as upload from './views/upload.js';
import * as mapView from './views/map.js';
import * as profile from './views/profile.js';
import * as notFoundView from './views/notfound.js';
import { parseHash, matchRoute as matchPattern } from './router.js';
import { takePreloads, dropPreloads } from './preload.js';

// pattern → view; ":id" captures one path segment. `auth` routes need a user; `title`
// is the page title (a view may set a more precise one, such as the photo's).
const ROUTES = [
  { pattern: '/signin', view: signin, auth: false, title: 'Sign in' },
  { pattern: '/signup', view: signup, auth: false, title: 'Create an account' },
  { pattern: '/album', view: album, auth: true, title: 'Your album' },
  { pattern: '/photos/:id', view: photo, auth: true, title: 'Photo' },
  { pattern: '/upload', view: upload, auth: true, title: 'Upload photos' },
  { pattern: '/map', view: mapView, auth: true, title: 'Map' },
  { pattern: '/map/:id', view: mapView, auth: true, title: 'Map' },
  { pattern: '/profile', view: profile, auth: true, title: 'Your profile' },
];
// What an address no route knows shows (signed in or not).
const NOT_FOUND = { view: notFoundView, auth: null, title: 'Page not found' };

const matchRoute = (path) => matchPattern(ROUTES, path);

const DEFAULT_CONFIG = {
  stage: 0,
  auth_kind: 'local',
  tile_url: 'https://tile.openstreetmap.org/{z}/{x}/{y}.png',
  tile_attribution: '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
  max_upload_mb: 20,
};

const state = {
  user: undefined,       // undefined: not asked yet; null: signed out
  config: null,
  cleanup: null,         // what the current view wants done when it is left
  renderId: 0,
  pendingFlash: null,    // [message, kind] to show once the next page is up
};

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const navUser = document.getElementById('nav-user');
const flashEl = document.getElementById('flash');
let flashTimer = null;

function navigate(hash, message, kind = 'success') {
  if (message) state.pendingFlash = [message, kind];
  if (location.hash === hash) route();
  else location.hash = hash;
}

// Shows a message above the page until the next navigation (or for a while).
function flash(message, kind = 'info') {
  clearTimeout(flashTimer);
  flashEl.textContent = message;
  flashEl.className = `flash flash-${kind}`;
  flashEl.hidden = false;
  flashTimer = setTimeout(() => { flashEl.hidden = true; }, 8000);
}

function setUser(user) {
  state.user = user;
  nav.hidden = !user;
  if (user) {
    // the visible name starts the link's name (WCAG "label in name"); the rest is for screen readers
    replace(navUser, user.username || user.name || user.email || 'Profile',
      h('span', { class: 'visually-hidden' }, ' (your profile)'));
  }
}

async function loadConfig() {
  if (state.config) return state.config;
  try {
    const cfg = await api.config();
    state.config = { ...DEFAULT_CONFIG, ...(cfg && typeof cfg === 'object' ? cfg : {}) };
  } catch {
    state.config = { ...DEFAULT_CONFIG };
  }
  if (typeof state.config.tile_url !== 'string' || !state.config.tile_url) {
    state.config.tile_url = DEFAULT_CONFIG.tile_url;
  }
  return state.config;
}

async function currentUser() {
  if (state.user !== undefined && state.user !== null) return state.user;
  try {
    setUser(await api.me());
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 401) throw e;
    setUser(null);
  }
  return state.user;
}

function markNav(path) {
  const section = path.split('/')[1] || '';
  for (const a of nav.querySelectorAll('a[data-route]')) {
    const current = a.dataset.route === section || (section === 'photos' && a.dataset.route === 'album');
    if (current) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

function showFatal(message) {
  replace(main, h('section', { class: 'panel narrow' },
    h('h1', null, 'Something went wrong'),
    h('p', { class: 'form-error', role: 'alert' }, message),
    h('p', null, h('button', { type: 'button', class: 'button', on: { click: () => route() } }, 'Try again'))));
}

async function route() {
  const id = ++state.renderId;
  const { path, query } = parseHash(location.hash);
  if (path === '/') {
    navigate('#/album');
    return;
  }
  const matched = matchRoute(path) || { route: NOT_FOUND, params: {} };
  if (state.cleanup) {
    try { state.cleanup(); } catch { /* a view's cleanup must not stop navigation */ }
    state.cleanup = null;
  }
  let user;
  try {
    [user] = await Promise.all([currentUser(), loadConfig()]);
  } catch (e) {
    if (id === state.renderId) showFatal(e.message);
    return;
  }
  if (id !== state.renderId) return;
  if (matched.route.auth && !user) {
    navigate('#/signin');
    return;
  }
  if (matched.route.auth === false && user) {
    navigate('#/album');
    return;
  }
  markNav(path);
  clearTimeout(flashTimer);
  flashEl.hidden = true;
  if (state.pendingFlash) {
    flash(...state.pendingFlash);
    state.pendingFlash = null;
  }
  replace(main);
  // what a view may have set on the page (a full-width album, the full-bleed viewer)
  main.removeAttribute('class');
  document.body.classList.remove('viewing');
  document.title = `${matched.route.title} · CloudAlbum`;
  const ctx = {
    user,
    config: state.config,
    params: matched.params,
    query,
    flash,
    navigate,
    setUser,
    isCurrent: () => id === state.renderId,
  };
  try {
    const cleanup = await matched.route.view.render(main, ctx);
    if (id === state.renderId) state.cleanup = typeof cleanup === 'function' ? cleanup : null;
    else if (typeof cleanup === 'function') cleanup();
    dropPreloads(); // the first view has taken what it asked for (preload.js)
  } catch (e) {
    dropPreloads();
    if (id !== state.renderId) return;
    if (e instanceof ApiError && e.status === 401) return; // the unauthorized handler redirects
    if (e instanceof ApiError && e.status === 404) {
      // the photo the address names is not there: no "try again" can help
      replace(main);
      notFoundView.notFound(main, ctx, matched.params.id !== undefined ? 'photo' : 'page');
      return;
    }
    showFatal(e.message || 'The page could not be shown.');
  }
}

window.addEventListener(UNAUTHORIZED_EVENT, () => {
  const message = state.user ? 'Your session has ended; please sign in again.' : null;
  setUser(null);
  const matched = matchRoute(parseHash(location.hash).path);
  if (!matched || matched.route.auth) navigate('#/signin', message, 'error');
});

// With the Cognito hosted UI the sign-out answer names its logout address, which ends the
// hosted UI's own session too and comes back to this app.
function hostedLogoutUrl(answer) {
  if (!answer || typeof answer.logout_url !== 'string') return null;
  return /^https?:\/\//.test(answer.logout_url) ? answer.logout_url : null;
}

document.getElementById('signout').addEventListener('click', async () => {
  try {
    const logoutUrl = hostedLogoutUrl(await api.signOut());
    if (logoutUrl) {
      setUser(null);
      window.location.assign(logoutUrl);
      return;
    }
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 401) {
      flash(e.message, 'error');
      return;
    }
  }
  setUser(null);
  navigate('#/signin', 'You are signed out.', 'info');
});

// A typed or reloaded address like /album or /photos/12 (the server answers every such
// path with this page): the same route as #/album, #/photos/12.
if (location.pathname !== '/' && !location.hash) {
  history.replaceState(null, '', `/#${location.pathname}${location.search}`);
}

// The album's sticky day headers sit just under the (sticky) top bar, whose height
// changes when it wraps.
const topbar = document.querySelector('.topbar');
if (topbar && 'ResizeObserver' in window) {
  new ResizeObserver(() => {
    document.documentElement.style.setProperty('--topbar-h', `${topbar.offsetHeight}px`);
  }).observe(topbar);
}

window.addEventListener('hashchange', () => route());
takePreloads();
route();
