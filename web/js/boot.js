// boot.js — the built page's first script (scripts/build-web.mjs makes it a small
// classic script, loaded async before the app's bundle; the unbundled tree has no
// preloads and does not load it). It arrives with the preloaded API answers, while the
// bundle is still downloading or parsing, and:
//   - takes the preloaded answers (preload.js: the app adopts them as it starts);
//   - when the page opens on the album (default order), reads the first page's answer
//     and preloads the first tiles' images with the sources album.js will give them
//     (tiles.js), so they are on their way a round trip's worth of script work earlier.
// Anything unexpected (signed out, an error, no stylesheet) just leaves it all to the app.
import { EARLY_KEY, fetchPreloads } from './preload.js';
import { rowHeightOf, tileSources } from './tiles.js';

// the album's first page as album.js asks for it (api.js builds the query)
const ALBUM_FIRST_PAGE = '/api/photos?limit=48&sort=taken';
// the first tiles: as many as the browser fetches at once from one server (HTTP/1.1)
const EARLY_TILES = 6;

// The grid's row height once the app's stylesheet has loaded (it sets --row-h).
function rowHeight() {
  const css = document.querySelector('link[rel="stylesheet"]');
  const loaded = !css || css.sheet ? Promise.resolve() : new Promise((resolve) => {
    css.addEventListener('load', resolve, { once: true });
    css.addEventListener('error', resolve, { once: true });
  });
  return loaded.then(() => {
    const probe = document.createElement('div');
    probe.className = 'days';
    probe.hidden = true;
    document.body.append(probe);
    const h = rowHeightOf(probe);
    probe.remove();
    return h;
  });
}

function preloadImage({ src, srcset, sizes }) {
  const link = document.createElement('link');
  link.rel = 'preload';
  link.as = 'image';
  link.href = src;
  if (srcset) {
    link.setAttribute('imagesrcset', srcset);
    link.setAttribute('imagesizes', sizes);
  }
  link.setAttribute('fetchpriority', 'high');
  document.head.append(link);
}

// The app's bundle may have run first (both arrive together): then it took the preloads
// and shows the first tiles itself.
if (!(EARLY_KEY in window)) {
  const early = fetchPreloads(new Map());
  window[EARLY_KEY] = early;
  const onAlbum = location.pathname === '/' && ['', '#', '#/', '#/album'].includes(location.hash);
  const firstPage = onAlbum ? early.get(ALBUM_FIRST_PAGE) : null;
  if (firstPage) {
    firstPage
      .then((resp) => (resp && resp.ok ? resp.clone().json() : null))
      .then((page) => (page && Array.isArray(page.photos) && page.photos.length
        ? rowHeight().then((h) => {
          for (const photo of page.photos.slice(0, EARLY_TILES)) {
            const sources = tileSources(photo, h);
            if (sources) preloadImage(sources);
          }
        })
        : null))
      .catch(() => { /* the app fetches what it needs */ });
  }
}
