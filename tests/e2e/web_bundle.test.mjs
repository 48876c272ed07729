// web_bundle.test.mjs — the front end as the server sends it (the bundle `make build`
// writes to build/web), seen by headless Chromium against the real cloudalbum-serve
// (CA_BASE_URL; skipped without it): compressed, content-named files cached for a year,
// index.html always revalidated, the first API answers preloaded and used (and never
// handed, stale, to a later view), the first tiles' images preloaded by the boot script
// and used, Leaflet
// loaded by the map views only (with its marker images found), and a second visit
// taking every asset from the cache. Timing is never asserted (tests/bench/web.sh
// measures it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, waitCount, PHONE } from './browser.mjs';
import { photosWithGps } from './fixtures.mjs';
import { BASE, SKIP, newAccount, signUp, upload, imagesLoaded, photosOf } from './helpers.mjs';

// Everything Chromium fetched while fn ran: [{path, status, headers, fromCache}].
async function recorded(page, fn) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  const seen = [];
  cdp.on('Network.responseReceived', (e) => {
    const u = new URL(e.response.url);
    if (u.origin !== new URL(BASE).origin) return;
    seen.push({
      path: u.pathname + u.search,
      status: e.response.status,
      headers: Object.fromEntries(Object.entries(e.response.headers).map(([k, v]) => [k.toLowerCase(), v])),
      fromCache: Boolean(e.response.fromDiskCache || e.response.fromMemoryCache || e.response.fromPrefetchCache),
    });
  });
  try {
    await fn();
  } finally {
    await cdp.detach();
  }
  return seen;
}

const count = (list, path) => list.filter((r) => r.path === path).length;

test('the bundle: compressed, cached for a year, API answers preloaded, Leaflet on the map only', { skip: SKIP, timeout: 120000 }, async () => {
  for (const viewport of [undefined, PHONE]) {
    const b = await launch(viewport ? { viewport } : {});
    const { page, problems } = b;
    try {
      await signUp(page, newAccount('e2e-bundle'));
      await upload(page, photosWithGps().map((p) => p.path), 'bundle', '');
      await waitCount(page, '.grid .card', 2);
      const [photo] = await photosOf(page);

      // A first visit in a fresh tab of the signed-in browser: the album.
      const tab = await page.context().newPage();
      const first = await recorded(tab, async () => {
        await tab.goto(`${BASE}/#/album`);
        await waitCount(tab, '.grid .card', 2);
        await imagesLoaded(tab, '.grid img');
      });
      const index = first.find((r) => r.path === '/');
      assert.ok(index, 'the page itself');
      assert.equal(index.headers['cache-control'], 'no-cache');
      const assets = first.filter((r) => r.path.startsWith('/assets/'));
      const scripts = assets.filter((r) => r.path.endsWith('.js'));
      const styles = assets.filter((r) => r.path.endsWith('.css'));
      assert.ok(scripts.length >= 1 && styles.length === 1, `the app's script and stylesheet: ${assets.map((r) => r.path)}`);
      for (const r of assets) {
        assert.equal(r.status, 200, r.path);
        assert.match(r.path, /^\/assets\/[a-z]+-[A-Z0-9]{8}\.(js|css)$/, 'content-named');
        assert.equal(r.headers['cache-control'], 'public, max-age=31536000, immutable', r.path);
      }
      // the big ones come compressed (Chromium asks for br and gzip)
      for (const r of [index, ...assets.filter((a) => !a.path.startsWith('/assets/chunk-'))]) {
        assert.ok(['br', 'gzip'].includes(r.headers['content-encoding']), `${r.path} compressed (${r.headers['content-encoding']})`);
        assert.equal(r.headers.vary, 'Accept-Encoding', r.path);
      }
      // nothing of the unbundled tree, nothing of Leaflet
      assert.deepEqual(first.filter((r) => /^\/(js|css|vendor)\//.test(r.path) || /leaflet/.test(r.path)).map((r) => r.path), []);
      // the preloaded answers are the ones the app used: each asked for once
      for (const path of ['/api/me', '/api/config', '/api/photos?limit=48&sort=taken']) {
        assert.equal(count(first, path), 1, `${path} fetched once (preloaded by index.html and used)`);
      }
      // the boot script preloaded the first tiles' images with the sources the tiles use:
      // each photo's image fetched once (the grid image or, where it fits, the thumbnail)
      assert.ok(scripts.some((r) => /^\/assets\/boot-/.test(r.path)), `the boot script: ${scripts.map((r) => r.path)}`);
      for (const p of await photosOf(tab)) {
        const images = first.filter((r) => r.path.startsWith(`/api/photos/${p.id}/image?size=`));
        assert.equal(images.length, 1, `photo ${p.id}'s tile image fetched once: ${images.map((r) => r.path)}`);
      }

      // The map of one photo: Leaflet's chunk and stylesheet, and its default marker image.
      const map = await recorded(tab, async () => {
        await tab.goto(`${BASE}/#/map/${photo.id}`);
        await tab.locator('img.leaflet-marker-icon').waitFor();
        await imagesLoaded(tab, 'img.leaflet-marker-icon');
      });
      const leaflet = map.filter((r) => r.path.startsWith('/assets/leaflet-'));
      assert.ok(leaflet.some((r) => /^\/assets\/leaflet-[A-Z0-9]{8}\.js$/.test(r.path)), `Leaflet's script: ${leaflet.map((r) => r.path)}`);
      assert.ok(leaflet.some((r) => /^\/assets\/leaflet-[A-Z0-9]{8}\/leaflet\.css$/.test(r.path)), "Leaflet's stylesheet");
      for (const r of leaflet) assert.equal(r.headers['cache-control'], 'public, max-age=31536000, immutable', r.path);
      const marker = new URL(await tab.locator('img.leaflet-marker-icon').getAttribute('src'), BASE);
      assert.match(marker.pathname, /^\/assets\/leaflet-[A-Z0-9]{8}\/images\/marker-icon(-2x)?\.png$/, 'Leaflet finds its marker image beside its stylesheet');

      // A second visit: every asset from the cache, without asking the server.
      const again = await b.context.newPage();
      const second = await recorded(again, async () => {
        await again.goto(`${BASE}/#/album`);
        await waitCount(again, '.grid .card', 2);
      });
      const refetched = second.filter((r) => r.path.startsWith('/assets/') && !r.fromCache);
      assert.deepEqual(refetched.map((r) => r.path), [], 'assets come from the cache');
      assert.equal(count(second, '/'), 1, 'the page itself is revalidated');

      // A page opened on a search did not use the preloaded first page of the album: that
      // answer must not reach the album later, stale (preload.js).
      const search = await b.context.newPage();
      await search.goto(`${BASE}/#/album?q=no-such-words`);
      await search.locator('.album .status', { hasText: 'No photos match' }).waitFor();
      const csrf = (await b.context.cookies()).find((c) => c.name === 'csrf_token').value;
      const gone = await b.context.request.delete(`${BASE}/api/photos/${photo.id}`, { headers: { 'X-CSRF-Token': csrf } });
      assert.equal(gone.status(), 204);
      await search.evaluate(() => { location.hash = '#/album'; });
      await waitCount(search, '.grid .card', 1);
      assert.deepEqual(problems, [], 'no page errors or CSP violations');
    } finally {
      await b.close();
    }
  }
});
