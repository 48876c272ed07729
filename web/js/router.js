// router.js — hash routes as pure functions (no DOM), so they can be tested anywhere.

// Parses "#/photos/12?q=x" into {path: "/photos/12", query: URLSearchParams}.
export function parseHash(hash) {
  const raw = (hash || '').replace(/^#/, '');
  const q = raw.indexOf('?');
  const path = (q < 0 ? raw : raw.slice(0, q)) || '/';
  return { path, query: new URLSearchParams(q < 0 ? '' : raw.slice(q + 1)) };
}

// The first of routes ({pattern: "/photos/:id", ...}) whose pattern matches
// path, as {route, params}; ":name" captures one non-empty, percent-decoded
// segment. null when none matches (or a segment is badly encoded).
export function matchRoute(routes, path) {
  const parts = path.split('/').filter(Boolean);
  for (const route of routes) {
    const pparts = route.pattern.split('/').filter(Boolean);
    if (pparts.length !== parts.length) continue;
    const params = {};
    let ok = true;
    for (let i = 0; i < pparts.length && ok; i += 1) {
      if (pparts[i].startsWith(':')) {
        try {
          params[pparts[i].slice(1)] = decodeURIComponent(parts[i]);
        } catch {
          ok = false;
        }
      } else if (pparts[i] !== parts[i]) {
        ok = false;
      }
    }
    if (ok) return { route, params };
  }
  return null;
}
