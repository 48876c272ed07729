// leaflet.js — Leaflet, script and stylesheet, loaded when a view first shows a map (the
// other views never download it). loadLeaflet() resolves to the Leaflet module once its
// stylesheet has loaded too (or failed: markers still work without it).
//
// In the unbundled tree both come from /vendor/leaflet/ (`make web-vendor`); the bundle
// (scripts/build-web.mjs) makes the import a lazy chunk of its own and sets
// CA_LEAFLET_CSS to the stylesheet's versioned address.
/* global CA_LEAFLET_CSS */
const LEAFLET_CSS = typeof CA_LEAFLET_CSS === 'string' ? CA_LEAFLET_CSS : '/vendor/leaflet/leaflet.css';

function leafletStyles() {
  const present = document.querySelector(`link[href="${LEAFLET_CSS}"]`);
  if (present) {
    return present.dataset.loaded ? Promise.resolve() : new Promise((resolve) => {
      present.addEventListener('load', resolve, { once: true });
      present.addEventListener('error', resolve, { once: true });
    });
  }
  return new Promise((resolve) => {
    const link = document.createElement('link');
    link.rel = 'stylesheet';
    link.href = LEAFLET_CSS;
    const done = () => { link.dataset.loaded = '1'; resolve(); };
    link.addEventListener('load', done, { once: true });
    link.addEventListener('error', done, { once: true });
    document.head.append(link);
  });
}

export async function loadLeaflet() {
  const [L] = await Promise.all([import('../vendor/leaflet/leaflet-src.esm.js'), leafletStyles()]);
  return L;
}
