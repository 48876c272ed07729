// defects.test.mjs — the web app's defects of issue 14, each in headless Chromium against
// the real cloudalbum-serve (CA_BASE_URL; skipped without it): taken dates in two viewer
// time zones, map tiles from an http LAN tile server, focus after a refusal, the 404 view
// and typed addresses, loading states.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, waitCount, waitHash, PHONE } from './browser.mjs';
import { makePhoto } from './fixtures.mjs';
import {
  BASE, SKIP, newAccount, signUp, signIn, upload, imagesLoaded, openInfo, metaRow, spaces, apiDate, photosOf,
} from './helpers.mjs';

const TILE_URL = process.env.CA_E2E_TILE_URL || '';

// The example: taken at 00:04:17 on 10 July 2023, camera clock, no zone.
const MIDNIGHT = { name: 'IMG_20230710_000417.jpg', color: [30, 90, 160], taken: '2023:07:10 00:04:17', lat: 37.5665, lng: 126.978 };

const instant = (date, timeZone) => spaces(new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(date));


test('taken dates show as taken in every viewer time zone; upload dates are instants', { skip: SKIP, timeout: 120000 }, async () => {
  const account = newAccount('e2e-tz');
  const path = makePhoto(MIDNIGHT);
  const seen = {};
  for (const timezoneId of ['America/New_York', 'Asia/Seoul']) {
    const b = await launch({ timezoneId });
    const { page, problems } = b;
    try {
      if (timezoneId === 'America/New_York') {
        await signUp(page, account);
        await upload(page, [path], 'midnight', 'Just after midnight');
      } else {
        await signIn(page, account);
      }
      assert.equal(await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone), timezoneId);
      const [photo] = await photosOf(page);
      // Album: the day it was taken and the camera's time on the tile's caption.
      await waitCount(page, '.grid .card', 1);
      assert.equal(spaces(await page.locator('.grid .card .card-date').textContent()), 'Jul 10, 2023, 12:04 AM',
        `the album's date for a viewer in ${timezoneId}`);
      assert.equal(spaces(await page.locator('.day-head').first().textContent()), 'Monday, July 10, 2023 · 1 photo');
      // Viewer: taken as taken, uploaded as the instant in this zone.
      await page.locator('.grid .card a.card-link').click();
      await openInfo(page);
      assert.equal(spaces(await metaRow(page, 'Taken')), 'Jul 10, 2023, 12:04 AM', `taken date for a viewer in ${timezoneId}`);
      const uploaded = spaces(await metaRow(page, 'Uploaded'));
      assert.equal(uploaded, instant(apiDate(photo.upload_date), timezoneId), `upload date as an instant in ${timezoneId}`);
      seen[timezoneId] = uploaded;
      // Map popup.
      await page.goto(`${BASE}/#/map`);
      await waitCount(page, '.leaflet-marker-icon', 1);
      await page.locator('.leaflet-marker-icon').click();
      await page.locator('.leaflet-popup .popup-date').waitFor();
      assert.equal(spaces(await page.locator('.leaflet-popup .popup-date').textContent()), 'Jul 10, 2023, 12:04 AM');
      assert.deepEqual(problems, []);
    } finally {
      await b.close();
    }
  }
  assert.notEqual(seen['America/New_York'], seen['Asia/Seoul'], 'the same upload instant reads differently 13 hours apart');
});

test('the map loads its tiles from an http LAN tile server (the CSP follows server.tile_url)', { skip: SKIP || (!TILE_URL && 'CA_E2E_TILE_URL is not set (tests/e2e/run.sh sets it)'), timeout: 90000 }, async () => {
  const b = await launch();
  const { page, problems } = b;
  try {
    const origin = new URL(TILE_URL.replace(/[{}]/g, '')).origin;
    const csp = (await page.request.get(`${BASE}/`)).headers()['content-security-policy'];
    const imgSrc = csp.split(';').map((d) => d.trim()).find((d) => d.startsWith('img-src'));
    assert.ok(imgSrc.split(' ').includes(origin), `img-src names ${origin}: ${imgSrc}`);
    await signUp(page, newAccount('e2e-tiles'));
    await page.goto(`${BASE}/#/map`);
    await page.locator('.map').waitFor();
    await imagesLoaded(page, '.leaflet-tile-loaded');
    const tiles = await page.locator('.leaflet-tile-loaded').evaluateAll((imgs) => imgs.map((i) => i.src));
    assert.ok(tiles.length > 0 && tiles.every((src) => src.startsWith(`${origin}/`)), `tiles came from ${origin}`);
    assert.ok(await page.locator('.tile-note').isHidden(), 'no "tiles could not be loaded" note');
    assert.deepEqual(problems, [], 'no CSP violation for the tiles');
  } finally {
    await b.close();
  }
});

test('focus goes back to the field after a refused sign-in or profile change', { skip: SKIP, timeout: 90000 }, async () => {
  const account = newAccount('e2e-focus');
  const b = await launch({ viewport: PHONE });
  const { page, problems } = b;
  try {
    await signUp(page, account);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await waitHash(page, '#/signin');
    await page.getByLabel('Email').fill(account.email);
    await page.getByLabel('Password', { exact: true }).fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.locator('.form-error').waitFor();
    const signin = await page.evaluate(() => {
      const el = document.activeElement;
      if (!el || el.tagName !== 'INPUT') return { name: el ? el.tagName : null };
      return { name: el.name, invalid: el.getAttribute('aria-invalid'), start: el.selectionStart, end: el.selectionEnd, len: el.value.length };
    });
    assert.equal(signin.name, 'password', 'the password field has focus after a refused sign-in');
    assert.equal(signin.invalid, 'true');
    assert.deepEqual([signin.start, signin.end], [0, signin.len], 'its text is selected for retyping');

    await page.getByLabel('Password', { exact: true }).fill(account.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await waitHash(page, '#/album');
    await page.goto(`${BASE}/#/profile`);
    await page.getByLabel('Name shown in the album').fill('Someone else');
    await page.getByLabel('Current password').fill('wrong-current-password');
    await page.getByRole('button', { name: 'Save profile' }).click();
    await page.locator('.form-error').waitFor();
    const profile = await page.evaluate(() => document.activeElement && document.activeElement.name);
    assert.equal(profile, 'current_password', 'the current-password field has focus after a refused change');
    assert.deepEqual(problems, []);
  } finally {
    await b.close();
  }
});

test('unknown addresses and missing photos show a 404 view; typed app addresses open the app', { skip: SKIP, timeout: 90000 }, async () => {
  const b = await launch();
  const { page, problems } = b;
  try {
    // Typed addresses get the app's page, never JSON.
    const raw = await page.request.get(`${BASE}/album`);
    assert.equal(raw.status(), 200);
    assert.match(raw.headers()['content-type'], /^text\/html/);
    await page.goto(`${BASE}/album`);
    await waitHash(page, '#/signin');   // signed out: the album asks for sign-in first
    await page.goto(`${BASE}/#/nowhere`);
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
    await signUp(page, newAccount('e2e-404'));
    await page.goto(`${BASE}/album`);
    await waitHash(page, '#/album');
    await page.getByRole('heading', { name: 'Your album' }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/', 'the address becomes the app\'s own /#/album');
    for (const hash of ['#/nowhere', '#/album/extra', '#/photos']) {
      await page.goto(`${BASE}/${hash}`);
      await page.getByRole('heading', { name: 'Page not found' }).waitFor();
      assert.equal(await page.title(), 'Page not found · CloudAlbum');
      assert.equal(await page.getByRole('link', { name: 'Go to your album' }).count(), 1);
    }
    await page.goto(`${BASE}/photos/987654321`);
    await page.getByRole('heading', { name: 'Photo not found' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Try again' }).count(), 0, 'no "try again" that cannot succeed');
    assert.ok(!(await page.locator('body').evaluate((b2) => b2.classList.contains('viewing'))), 'the top bar is back');
    await page.getByRole('link', { name: 'Go to your album' }).click();
    await waitHash(page, '#/album');
    assert.deepEqual(problems, []);
  } finally {
    await b.close();
  }
});

test('the album and the viewer show that they are loading', { skip: SKIP, timeout: 90000 }, async () => {
  const b = await launch();
  const { page, problems } = b;
  try {
    await signUp(page, newAccount('e2e-loading'));
    await upload(page, [makePhoto({ name: 'slow.jpg', color: [120, 40, 90], taken: '2020:02:02 12:00:00' })]);
    await waitCount(page, '.grid .card', 1);
    const [photo] = await photosOf(page);

    // Hold the album's list until the page has been seen loading.
    let release;
    const held = new Promise((r) => { release = r; });
    await page.route(/\/api\/photos\?/, async (route) => { await held; await route.continue(); });
    await page.goto(`${BASE}/#/profile`);
    await page.goto(`${BASE}/#/album`);
    await page.locator('.album-loading .skeleton').first().waitFor();
    assert.equal(spaces(await page.locator('.album .status').textContent()), 'Loading photos…');
    assert.equal(await page.locator('.days').getAttribute('aria-busy'), 'true');
    release();
    await waitCount(page, '.grid .card', 1);
    assert.equal(await page.locator('.album-loading').count(), 0);
    await page.unroute(/\/api\/photos\?/);

    // The same for one photo.
    let releasePhoto;
    const heldPhoto = new Promise((r) => { releasePhoto = r; });
    const one = new RegExp(`/api/photos/${photo.id}$`);
    await page.route(one, async (route) => { await heldPhoto; await route.continue(); });
    await page.goto(`${BASE}/#/photos/${photo.id}`);
    await page.locator('.viewer-loading', { hasText: 'Loading photo…' }).waitFor();
    releasePhoto();
    await imagesLoaded(page, 'img.original');
    assert.equal(await page.locator('.viewer-loading').count(), 0);
    assert.deepEqual(problems, []);
  } finally {
    await b.close();
  }
});
