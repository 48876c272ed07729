// photo_app.test.mjs — the web app as a photo app, in headless Chromium against the real
// cloudalbum-serve (CA_BASE_URL; skipped without it): the album grid by day and the
// viewer, map clusters, forms; every view at desktop and phone size through axe-core,
// with a screenshot of each under tests/artifacts/views/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, waitCount, waitHash, PHONE, DESKTOP } from './browser.mjs';
import { makePhoto } from './fixtures.mjs';
import {
  BASE, SKIP, newAccount, shot, signUp, signIn, upload, imagesLoaded, openInfo,
  seriousViolations, photosOf,
} from './helpers.mjs';

test('album grid by day and the viewer: next/previous by button, keys and swipe, sort, deep links', { skip: SKIP, timeout: 120000 }, async () => {
  const b = await launch();
  const { page, problems } = b;
  try {
    await signUp(page, newAccount('e2e-viewer'));
    // Uploaded oldest-taken last, so that taken order and upload order differ.
    const specs = [
      { name: 'b-2023.jpg', color: [200, 60, 60], taken: '2023:05:01 09:00:00', width: 320, height: 480 },
      { name: 'c-2024.jpg', color: [60, 160, 60], taken: '2024:08:15 18:30:00', width: 640, height: 360 },
      { name: 'a-2022.jpg', color: [60, 60, 200], taken: '2022:03:10 07:45:00', width: 480, height: 480 },
    ];
    await upload(page, specs.map(makePhoto), '', '');
    await waitCount(page, '.grid .card', 3);
    const titles = await page.locator('.grid .card .card-title').allTextContents();
    assert.deepEqual(titles, ['c-2024.jpg', 'b-2023.jpg', 'a-2022.jpg'], 'newest taken first');
    assert.equal(await page.locator('.day-head').count(), 3, 'one header per day');
    assert.equal(await page.locator('.day-head').first().evaluate((el) => getComputedStyle(el).position), 'sticky');
    // Tiles keep each photo's aspect ratio (one row height per row).
    const boxes = await page.locator('.grid .card').evaluateAll((cards) => cards.map((c) => {
      const r = c.getBoundingClientRect();
      return r.width / r.height;
    }));
    for (const [i, want] of [[0, 640 / 360], [1, 320 / 480], [2, 1]].entries()) {
      assert.ok(Math.abs(boxes[want[0]] - want[1]) < 0.05, `tile ${i} has its photo's shape (${boxes[want[0]]} vs ${want[1]})`);
    }
    // Captions only on hover or focus.
    const caption = page.locator('.grid .card .card-caption').first();
    assert.equal(await caption.evaluate((el) => getComputedStyle(el).opacity), '0');
    await page.locator('.grid .card a.card-link').first().hover();
    await page.waitForFunction(() => getComputedStyle(document.querySelector('.grid .card .card-caption')).opacity === '1');

    const ids = await page.locator('.grid .card').evaluateAll((cards) => cards.map((c) => c.dataset.photoId));
    const at = async (i) => {
      await page.waitForFunction((id) => location.hash === `#/photos/${id}`, ids[i]);
      await imagesLoaded(page, 'img.original');
    };
    await page.locator('.grid .card a.card-link').first().click();
    await at(0);
    assert.equal(await page.getByRole('link', { name: 'Previous photo' }).count(), 0, 'nothing before the first');
    assert.equal(await page.title(), 'c-2024.jpg · CloudAlbum');
    await page.getByRole('link', { name: 'Next photo' }).click();
    await at(1);
    await page.keyboard.press('ArrowRight');
    await at(2);
    assert.equal(await page.getByRole('link', { name: 'Next photo' }).count(), 0, 'nothing after the last');
    await page.keyboard.press('ArrowLeft');
    await at(1);
    // A swipe to the left on a touch screen: the next photo.
    await page.locator('.viewer-stage').evaluate((stage) => {
      const at2 = (type, x) => stage.dispatchEvent(new PointerEvent(type, { pointerType: 'touch', clientX: x, clientY: 300, bubbles: true, isPrimary: true }));
      at2('pointerdown', 300);
      at2('pointerup', 120);
    });
    await at(2);
    // The edit form opens from the info panel.
    await openInfo(page);
    assert.ok(await page.locator('#edit-form').isHidden(), 'the edit form waits to be asked for');
    await openInfo(page, { edit: true });
    await page.getByLabel('Description').fill('Spring lake');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.locator('h1.photo-title', { hasText: 'Spring lake' }).waitFor();
    // Escape closes the panel, then the viewer, back to the photo's tile.
    await page.keyboard.press('Escape');
    await page.locator('#photo-info').waitFor({ state: 'hidden' });
    await page.keyboard.press('Escape');
    await waitHash(page, '#/album');
    await waitCount(page, '.grid .card', 3);
    await page.waitForFunction((id) => document.activeElement && document.activeElement.closest(`li[data-photo-id="${id}"]`), ids[2]);

    // A deep link in a fresh tab still knows its neighbours.
    const other = await b.context.newPage();
    await other.goto(`${BASE}/#/photos/${ids[1]}`);
    await imagesLoaded(other, 'img.original');
    await other.getByRole('link', { name: 'Previous photo' }).waitFor();
    await other.getByRole('link', { name: 'Next photo' }).waitFor();
    await other.close();

    // Search by file name.
    await page.getByLabel('Search tags, descriptions, places and file names').fill('B-2023');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.waitForFunction(() => location.hash === '#/album?q=B-2023');
    await waitCount(page, '.grid .card', 1);
    assert.equal(await page.locator('.grid .card').getAttribute('data-photo-id'), ids[1]);
    await page.goto(`${BASE}/#/album`);
    await waitCount(page, '.grid .card', 3);

    // Sorted by upload date: the last uploaded first.
    await page.getByLabel('Sort by').selectOption('uploaded');
    await page.waitForFunction(() => location.hash === '#/album?sort=uploaded');
    await page.waitForFunction(() => document.querySelector('.grid .card .card-title')?.textContent === 'Spring lake');
    assert.deepEqual(await page.locator('.grid .card .card-title').allTextContents(), ['Spring lake', 'c-2024.jpg', 'b-2023.jpg']);
    assert.deepEqual(problems, []);
  } finally {
    await b.close();
  }
});

test('forms: every error at once with aria-invalid, a show-password toggle, a title per page', { skip: SKIP, timeout: 60000 }, async () => {
  const b = await launch({ viewport: PHONE });
  const { page, problems } = b;
  try {
    await page.goto(`${BASE}/#/signup`);
    await page.getByRole('heading', { name: 'Create an account' }).waitFor();
    assert.equal(await page.title(), 'Create an account · CloudAlbum');
    await page.getByLabel('Password', { exact: true }).fill('short');
    await page.getByRole('button', { name: 'Create account' }).click();
    await waitCount(page, '.field-error', 3);
    const invalid = await page.locator('[aria-invalid="true"]').evaluateAll((els) => els.map((e) => e.name));
    assert.deepEqual(invalid, ['email', 'username', 'password']);
    assert.equal(await page.evaluate(() => document.activeElement.name), 'email', 'focus on the first problem');
    const described = await page.locator('#' + await page.locator('input[name=password]').getAttribute('id')).getAttribute('aria-describedby');
    assert.match(described, /-error/, 'each field names its message');
    // Fixing one field clears its mark on the next try.
    await page.getByLabel('Email').fill('someone@example.com');
    await page.getByRole('button', { name: 'Create account' }).click();
    await waitCount(page, '.field-error', 2);
    // Show password.
    const toggle = page.locator('.field', { has: page.locator('input[name=password]') }).locator('button.show-password');
    assert.equal(await page.getByRole('button', { name: 'Show password' }).count(), 1);
    await toggle.click();
    assert.equal(await page.getByRole('button', { name: 'Hide password' }).count(), 1);
    assert.equal(await page.locator('input[name=password]').getAttribute('type'), 'text');
    assert.equal(await toggle.getAttribute('aria-pressed'), 'true');
    await toggle.click();
    assert.equal(await page.locator('input[name=password]').getAttribute('type'), 'password');
    // "Sign in instead" is a link.
    await page.getByRole('link', { name: 'Sign in instead' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    assert.equal(await page.title(), 'Sign in · CloudAlbum');
    assert.deepEqual(problems, []);
  } finally {
    await b.close();
  }
});

test('every view at desktop and phone size: no serious axe-core violation; screenshots', { skip: SKIP, timeout: 180000 }, async () => {
  const account = newAccount('e2e-views');
  const saved = [];
  const found = [];
  const setup = await launch();
  let photoId;
  try {
    await signUp(setup.page, account);
    await upload(setup.page, [
      makePhoto({ name: 'harbour.jpg', color: [40, 110, 200], taken: '2021:06:15 10:30:00', lat: 35.1796, lng: 129.0756, width: 640, height: 427 }),
      makePhoto({ name: 'tower.jpg', color: [220, 150, 40], taken: '2021:06:15 16:10:00', lat: 37.5512, lng: 126.9882, width: 360, height: 540 }),
      makePhoto({ name: 'garden.jpg', color: [60, 150, 90], taken: '2020:10:03 11:00:00', lat: 37.5796, lng: 126.977, width: 600, height: 400 }),
    ], 'seoul,trip', 'Autumn in Seoul');
    [photoId] = (await photosOf(setup.page)).map((p) => p.id);
  } finally {
    await setup.close();
  }

  // [name, hash, ready(page), signed in?]
  const views = [
    ['signin', '#/signin', (p) => p.getByRole('heading', { name: 'Sign in' }).waitFor(), false],
    ['signup', '#/signup', (p) => p.getByRole('heading', { name: 'Create an account' }).waitFor(), false],
    ['album', '#/album', async (p) => { await waitCount(p, '.grid .card', 3); await imagesLoaded(p, '.grid .card:first-child img.thumb'); }, true],
    ['viewer', `#/photos/${photoId}`, (p) => imagesLoaded(p, 'img.original'), true],
    ['viewer-info', `#/photos/${photoId}`, async (p) => {
      await imagesLoaded(p, 'img.original');
      await openInfo(p, { edit: true });
      await imagesLoaded(p, '.mini-map img.leaflet-marker-icon');
    }, true],
    ['upload', '#/upload', (p) => p.getByRole('heading', { name: 'Upload photos' }).waitFor(), true],
    ['map', '#/map', (p) => imagesLoaded(p, 'img.leaflet-marker-icon'), true],
    ['map-popup', '#/map', async (p) => {
      await imagesLoaded(p, 'img.leaflet-marker-icon');
      await p.locator('.leaflet-marker-icon:not(.cluster-icon)').first().click();
      await imagesLoaded(p, '.leaflet-popup img');
      await p.waitForFunction(() => getComputedStyle(document.querySelector('.leaflet-popup')).opacity === '1');
    }, true],
    ['profile', '#/profile', (p) => p.getByRole('heading', { name: 'Your profile' }).waitFor(), true],
    ['not-found', '#/no-such-page', (p) => p.getByRole('heading', { name: 'Page not found' }).waitFor(), true],
  ];
  for (const [size, viewport] of [['desktop', DESKTOP], ['phone', PHONE]]) {
    const b = await launch({ viewport });
    const { page, problems } = b;
    try {
      // signed out first, then signed in
      for (const signedIn of [false, true]) {
        if (signedIn) await signIn(page, account);
        for (const [name, hash, ready, needsUser] of views) {
          if (needsUser !== signedIn) continue;
          const leaflet = [];
          const seeLeaflet = (req) => { if (/\/vendor\/leaflet\/|\/assets\/leaflet-/.test(req.url())) leaflet.push(req.url()); };
          page.on('request', seeLeaflet);
          await page.goto(`${BASE}/${hash}`);
          await ready(page);
          page.off('request', seeLeaflet);
          // Leaflet (script and stylesheet) is loaded by the map views and the viewer's mini-map only.
          // (the viewer's mini-map, just before, may have loaded it into this same document)
          if (name === 'map') {
            assert.ok(leaflet.some((u) => u.endsWith('/leaflet.css'))
              || await page.locator('link[rel=stylesheet][href$="/leaflet.css"]').count() === 1, `${name} has Leaflet's stylesheet`);
          }
          else if (name === 'viewer-info') assert.ok(leaflet.length > 0, `${name} (${size}) loads Leaflet for its mini-map`);
          else if (!name.startsWith('map')) assert.deepEqual(leaflet, [], `${name} (${size}) loads no Leaflet file`);
          for (const v of await seriousViolations(page)) found.push(`${name} (${size}): ${v}`);
          saved.push(await shot(page, `views/${name}-${size}.png`));
        }
      }
      assert.deepEqual(problems, [], `no page errors or CSP violations (${size})`);
    } finally {
      await b.close();
    }
  }
  // The two photos a few km apart in Seoul are one cluster at the whole-country zoom; a
  // click on it zooms in until they part.
  const b = await launch();
  try {
    await signIn(b.page, account);
    await b.page.goto(`${BASE}/#/map`);
    await waitCount(b.page, '.leaflet-marker-icon', 2);
    const cluster = b.page.locator('.cluster-icon');
    assert.equal((await cluster.textContent()).trim(), '2');
    assert.equal(await cluster.getAttribute('aria-label'), '2 photos close together; zoom in');
    await cluster.focus();
    await b.page.keyboard.press('Enter');
    await b.page.waitForFunction(() => document.querySelectorAll('.leaflet-marker-icon:not(.cluster-icon)').length >= 2
      && !document.querySelector('.cluster-icon'));
    saved.push(await shot(b.page, 'views/map-zoomed-desktop.png'));
    assert.deepEqual(b.problems, []);
  } finally {
    await b.close();
  }
  console.log(`screenshots:\n${saved.join('\n')}`);
  assert.deepEqual(found, [], 'no serious or critical axe-core violations');
});
