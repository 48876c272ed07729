// album_sort.test.mjs — "Sort by date taken / date uploaded" pages from the server in the
// chosen order (GET /api/photos?sort=…, a page of two at a time through #/album?limit=2),
// so the album's order and its day headers hold across pages, photos without a taken
// date come last under "Date unknown", and switching the sort starts again from the
// server's first page in the new order. In headless Chromium against the real
// cloudalbum-serve (CA_BASE_URL; skipped without it), at desktop and phone size, through
// axe-core; screenshots under tests/artifacts/views/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, waitCount, waitHash, PHONE, DESKTOP } from './browser.mjs';
import { makePhoto } from './fixtures.mjs';
import {
  BASE, SKIP, newAccount, shot, signUp, upload, imagesLoaded, seriousViolations, photosOf,
} from './helpers.mjs';

// Uploaded in this order; taken in another (one without a taken date).
const SPECS = [
  { name: 's1-2021.jpg', color: [200, 60, 60], taken: '2021:03:01 09:00:00' },
  { name: 's2-2024.jpg', color: [60, 160, 60], taken: '2024:08:20 18:30:00' },
  { name: 's3-none.jpg', color: [60, 60, 200] },
  { name: 's4-2023.jpg', color: [200, 160, 40], taken: '2023:01:15 12:00:00' },
  { name: 's5-2022.jpg', color: [120, 60, 160], taken: '2022:11:30 07:45:00' },
];
const TAKEN_ORDER = ['s2-2024.jpg', 's4-2023.jpg', 's5-2022.jpg', 's1-2021.jpg', 's3-none.jpg'];

const titles = (page) => page.locator('.days .grid .card .card-title').allTextContents();
const heads = (page) => page.locator('.day-head').evaluateAll((hs) => hs.map((h) => h.firstChild.textContent.trim()));

// Loads pages (the end of the grid in view loads the next; else the "more" button) until
// n tiles show.
async function loadAll(page, n) {
  const until = Date.now() + 60000; // a bound for a stuck page only (a slow machine is fine)
  while (Date.now() < until && await page.locator('.days .grid .card').count() < n) {
    // one step in the page (the button hides itself once the last page is in)
    const clicked = await page.evaluate(() => {
      const more = [...document.querySelectorAll('.album button')].find((b) => b.textContent === 'Show more photos');
      if (!more || more.hidden || more.disabled) return false;
      more.click();
      return true;
    });
    if (!clicked) await page.waitForTimeout(200);
  }
  const got = await page.locator('.days .grid .card').count();
  if (got !== n) {
    const status = await page.locator('.album').innerText();
    throw new Error(`${got} of ${n} photos shown: ${status.slice(0, 400)}`);
  }
}

// Chooses "Sort by" value and waits for the album drawn anew at hash (the old grid is
// gone), then for all n photos.
async function sortBy(page, value, hash, n) {
  await page.locator('.days').evaluate((el) => { el.dataset.old = '1'; });
  await page.getByLabel('Sort by').selectOption(value);
  await waitHash(page, hash);
  await page.locator('.days:not([data-old])').waitFor();
  await page.locator('.days[data-old]').waitFor({ state: 'detached' });
  await loadAll(page, n);
}

// Every /api/photos list request the album makes for pages of two: {sort, cursor} (not
// the built page's preload of the default first page, which this album does not use).
function listRequests(page) {
  const seen = [];
  page.on('request', (req) => {
    const u = new URL(req.url());
    if (u.pathname === '/api/photos' && req.method() === 'GET' && u.searchParams.get('limit') === '2') {
      seen.push({ sort: u.searchParams.get('sort'), cursor: u.searchParams.get('cursor') });
    }
  });
  return seen;
}

test('sort by date taken or uploaded: the server pages in the chosen order', { skip: SKIP, timeout: 240000 }, async () => {
  for (const [size, viewport] of [['desktop', DESKTOP], ['phone', PHONE]]) {
    const b = await launch({ viewport });
    const { page, problems } = b;
    try {
      await signUp(page, newAccount(`e2e-sort-${size}`));
      await upload(page, SPECS.map(makePhoto), '', '');
      const byUpload = (await photosOf(page)).map((p) => p.filename_orig);
      assert.deepEqual([...byUpload].sort(), [...TAKEN_ORDER].sort());
      assert.notDeepEqual(byUpload, TAKEN_ORDER, 'the two orders differ');

      // Date taken (the default), two photos a page: every page asked for in that order.
      const requests = listRequests(page);
      await page.goto('about:blank'); // a fresh load (a hash-only goto would race the old album)
      await page.goto(`${BASE}/#/album?limit=2`);
      await loadAll(page, 5);
      await imagesLoaded(page, '.days .grid .card img.thumb');
      assert.deepEqual(await titles(page), TAKEN_ORDER, `${size}: newest taken first, no taken date last`);
      const heading = await heads(page);
      assert.equal(heading.length, 5, `${size}: a header per day: ${heading}`);
      assert.match(heading[0], /2024/);
      assert.match(heading[3], /2021/);
      assert.equal(heading[4], 'Date unknown');
      assert.ok(requests.length >= 3, `${size}: three pages of two: ${JSON.stringify(requests)}`);
      assert.ok(requests.every((r) => r.sort === 'taken'), `${size}: ${JSON.stringify(requests)}`);
      assert.equal(requests.filter((r) => !r.cursor).length, 1, `${size}: one first page`);
      assert.equal((await page.locator('.album .status').textContent()).trim(), '5 photos.');
      assert.deepEqual(await seriousViolations(page), [], `${size}: axe, sorted by date taken`);
      await page.evaluate(() => window.scrollTo(0, 0));
      await shot(page, `views/album-sort-taken-${size}.png`);

      // Switch to date uploaded: a new first page from the server, then its next pages.
      requests.length = 0;
      await sortBy(page, 'uploaded', '#/album?sort=uploaded&limit=2', 5);
      await page.waitForFunction((want) => {
        const t = [...document.querySelectorAll('.days .grid .card .card-title')].map((e) => e.textContent);
        return JSON.stringify(t) === JSON.stringify(want);
      }, byUpload);
      await imagesLoaded(page, '.days .grid .card img.thumb');
      assert.deepEqual(await titles(page), byUpload, `${size}: newest upload first`);
      assert.ok(requests.length >= 3, `${size}: re-paged from the server: ${JSON.stringify(requests)}`);
      assert.ok(requests.every((r) => r.sort === 'uploaded'), `${size}: ${JSON.stringify(requests)}`);
      assert.deepEqual(requests[0], { sort: 'uploaded', cursor: null }, `${size}: starts at the first page`);
      assert.equal(await page.getByLabel('Sort by').inputValue(), 'uploaded');
      assert.deepEqual(await seriousViolations(page), [], `${size}: axe, sorted by date uploaded`);
      await page.evaluate(() => window.scrollTo(0, 0));
      await shot(page, `views/album-sort-uploaded-${size}.png`);

      // And back: the taken order again, from its own first page.
      requests.length = 0;
      await sortBy(page, 'taken', '#/album?limit=2', 5);
      await page.waitForFunction((want) => {
        const t = [...document.querySelectorAll('.days .grid .card .card-title')].map((e) => e.textContent);
        return JSON.stringify(t) === JSON.stringify(want);
      }, TAKEN_ORDER);
      assert.deepEqual(requests[0], { sort: 'taken', cursor: null });
      assert.deepEqual(problems, [], `${size}: no page errors or CSP violations`);
    } finally {
      await b.close();
    }
  }
});
