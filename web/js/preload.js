// preload.js — the API answers the built index.html preloads (<link rel="preload"
// as="fetch">: the first page's requests, fetched while the script downloads;
// scripts/build-web.mjs). The browser hands a preloaded answer to the first fetch() of
// the same address, however late: one no view asked for at start (the page opened on
// the sign-in form, a search, a photo) would reach a view minutes later, stale. So the
// app takes them all as it starts (takePreloads) and offers each to its first view only
// (takePreloaded), then drops the rest (dropPreloads). The unbundled tree has none.
//
// In the build, the page's first script (boot.js, which arrives with the first answers
// while the app's bundle still downloads and parses) takes them even earlier, through
// fetchPreloads: it leaves them in window[EARLY_KEY] for takePreloads to adopt.

const answers = new Map(); // "/api/…?…" → Promise<Response|null>
const PRELOAD_TIMEOUT_MS = 20000;
export const EARLY_KEY = 'cloudalbumPreloads';

// Every same-origin fetch preload of the page, fetched (which takes the preloaded
// answer), into map ("/api/…?…" → Promise<Response|null>), except those already in it.
export function fetchPreloads(map) {
  for (const link of document.querySelectorAll('link[rel="preload"][as="fetch"]')) {
    const url = new URL(link.href, location.href);
    if (url.origin !== location.origin) continue;
    const key = url.pathname + url.search;
    if (map.has(key)) continue;
    const signal = typeof AbortSignal.timeout === 'function' ? AbortSignal.timeout(PRELOAD_TIMEOUT_MS) : undefined;
    // same mode and credentials as the preload (crossorigin="anonymous", same origin)
    map.set(key, fetch(key, { headers: { Accept: 'application/json' }, credentials: 'same-origin', signal })
      .catch(() => null));
  }
  return map;
}

// Takes every preload of the page (boot.js's first); call once, before the first view.
export function takePreloads() {
  const early = window[EARLY_KEY];
  if (early instanceof Map) for (const [key, answer] of early) answers.set(key, answer);
  window[EARLY_KEY] = null; // taken: a boot script running later leaves them alone
  fetchPreloads(answers);
}

// The preloaded answer for path ("/api/photos?limit=48&sort=taken"), once; null when
// there is none (any more): then fetch it.
export function takePreloaded(path) {
  const answer = answers.get(path);
  if (!answer) return null;
  answers.delete(path);
  return answer;
}

// Forgets the answers no view took (called once the first view is shown).
export function dropPreloads() {
  answers.clear();
}
