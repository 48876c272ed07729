// selection.test.mjs — the album's multi-select (checkboxes on hover and focus, shift
// ranges, the keyboard, bulk tag and bulk delete with one confirmation), the photo total,
// and sharp tiles (the grid image through srcset, 2x screens), in headless Chromium
// against the real cloudalbum-serve (CA_BASE_URL; skipped without it), at desktop and
// phone size, through axe-core; screenshots under tests/artifacts/views/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, waitCount, waitHash, PHONE, DESKTOP } from './browser.mjs';
import { makePhoto } from './fixtures.mjs';
import {
  BASE, SKIP, newAccount, shot, signUp, signIn, upload, imagesLoaded, seriousViolations, photosOf,
} from './helpers.mjs';

const SPECS = [
  { name: 'p1-portrait.jpg', color: [200, 60, 60], taken: '2024:07:05 10:00:00', width: 600, height: 900 },
  { name: 'p2-wide.jpg', color: [60, 160, 60], taken: '2024:07:04 10:00:00', width: 900, height: 600 },
  { name: 'p3-square.jpg', color: [60, 60, 200], taken: '2024:07:03 10:00:00', width: 700, height: 700 },
  { name: 'p4-tall.jpg', color: [200, 160, 40], taken: '2024:07:02 10:00:00', width: 500, height: 1000 },
  { name: 'p5-wide.jpg', color: [120, 60, 160], taken: '2024:07:01 10:00:00', width: 1200, height: 800 },
];

const ids = (page) => page.locator('.grid .card').evaluateAll((cards) => cards.map((c) => c.dataset.photoId));
const count = (page) => page.locator('.select-bar .select-count').textContent();
const box = (page, i) => page.locator('.grid .card').nth(i).locator('input.card-check');

async function album(page, n) {
  await page.goto(`${BASE}/#/album`);
  await waitCount(page, '.grid .card', n);
  await imagesLoaded(page, '.grid .card img.thumb');
}

test('selection: checkboxes, shift ranges, keyboard, bulk tag and bulk delete; the total', { skip: SKIP, timeout: 180000 }, async () => {
  const b = await launch({ viewport: DESKTOP });
  const { page, problems } = b;
  const found = [];
  try {
    await signUp(page, newAccount('e2e-select'));
    await upload(page, SPECS.map(makePhoto), '', '');
    await album(page, 5);
    assert.equal((await page.locator('.album .status').textContent()).trim(), '5 photos.');
    const order = await ids(page);
    assert.deepEqual(await page.locator('.grid .card .card-title').allTextContents(), SPECS.map((s) => s.name));

    // The checkbox shows on hover and on focus, not before; no bar yet.
    const first = page.locator('.grid .card').first();
    const select = first.locator('.card-select');
    assert.equal(await select.evaluate((el) => getComputedStyle(el).opacity), '0');
    assert.ok(await page.locator('.select-bar').isHidden());
    await first.hover();
    await page.waitForFunction(() => getComputedStyle(document.querySelector('.grid .card .card-select')).opacity === '1');
    assert.equal(await box(page, 0).getAttribute('aria-label'), `Select ${SPECS[0].name}`);

    // Click, then shift-click: a range.
    await box(page, 0).click();
    assert.equal(await count(page), '1 selected');
    await box(page, 3).click({ modifiers: ['Shift'] });
    assert.equal(await count(page), '4 selected');
    assert.deepEqual(await page.locator('.grid .card.selected').evaluateAll((cs) => cs.map((c) => c.dataset.photoId)), order.slice(0, 4));
    // While selecting, every checkbox shows and a click on a photo selects it (no viewer).
    await page.waitForFunction(() => getComputedStyle(document.querySelectorAll('.grid .card .card-select')[4]).opacity === '1');
    await page.locator('.grid .card').nth(4).locator('a.card-link').click();
    assert.equal(await count(page), '5 selected');
    assert.equal(await page.evaluate(() => location.hash), '#/album');
    await page.locator('.grid .card').nth(4).locator('a.card-link').click();
    assert.equal(await count(page), '4 selected');
    // Escape clears the selection; the bar goes.
    await page.keyboard.press('Escape');
    await page.locator('.select-bar').waitFor({ state: 'hidden' });

    // The keyboard alone: Tab reaches a tile's checkbox, Space selects, Shift+Space a range.
    await page.locator('.grid .card').nth(1).locator('a.card-link').focus();
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.getAttribute('aria-label')), `Select ${SPECS[1].name}`);
    await page.waitForFunction(() => getComputedStyle(document.querySelectorAll('.grid .card .card-select')[1]).opacity === '1'); // visible on focus
    await page.keyboard.press('Space');
    assert.equal(await count(page), '1 selected');
    await box(page, 3).focus();
    await page.keyboard.down('Shift');
    await page.keyboard.press('Space');
    await page.keyboard.up('Shift');
    assert.equal(await count(page), '3 selected');
    assert.deepEqual(await page.locator('.grid .card.selected').evaluateAll((cs) => cs.map((c) => c.dataset.photoId)), order.slice(1, 4));
    for (const v of await seriousViolations(page)) found.push(`album selecting (desktop): ${v}`);
    await shot(page, 'views/album-selecting-desktop.png');

    // Bulk tag: one dialog; an empty tag or one with a comma is refused in place.
    await page.getByRole('region', { name: 'Selection' }).getByRole('button', { name: 'Add tag' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Add tag' }).click();
    await dialog.getByText('Enter a tag.').waitFor();
    assert.equal(await dialog.getByLabel('Tag').getAttribute('aria-invalid'), 'true');
    await dialog.getByLabel('Tag').fill('a,b');
    await dialog.getByRole('button', { name: 'Add tag' }).click();
    await dialog.getByText('One tag at a time: no commas.').waitFor();
    await dialog.getByLabel('Tag').fill('beach day');
    for (const v of await seriousViolations(page)) found.push(`album tag dialog (desktop): ${v}`);
    await shot(page, 'views/album-tag-dialog-desktop.png');
    await dialog.getByRole('button', { name: 'Add tag' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.locator('#flash', { hasText: '3 photos tagged “beach day”.' }).waitFor();
    const tagged = Object.fromEntries((await photosOf(page)).map((p) => [String(p.id), p.tags || '']));
    for (const [i, id] of order.entries()) {
      assert.equal(tagged[id], i >= 1 && i <= 3 ? 'beach day' : '', `photo ${i}'s tags`);
    }
    // Again: a tag already there is not added twice.
    await page.getByRole('region', { name: 'Selection' }).getByRole('button', { name: 'Add tag' }).click();
    await dialog.getByLabel('Tag').fill('Beach Day');
    await dialog.getByRole('button', { name: 'Add tag' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.locator('#flash', { hasText: 'tagged “Beach Day”' }).waitFor();
    assert.equal((await photosOf(page)).find((p) => String(p.id) === order[2]).tags, 'beach day');
    assert.equal(await count(page), '3 selected', 'the selection stays after tagging');

    // Bulk delete: one confirmation; Cancel deletes nothing.
    const del = page.getByRole('region', { name: 'Selection' }).getByRole('button', { name: 'Delete' });
    await del.click();
    await dialog.getByRole('heading', { name: 'Delete 3 photos?' }).waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    assert.equal((await photosOf(page)).length, 5);
    await del.click();
    await dialog.getByRole('button', { name: 'Delete', exact: true }).click();
    await page.locator('#flash', { hasText: '3 photos deleted.' }).waitFor();
    await waitCount(page, '.grid .card', 2);
    assert.deepEqual(await ids(page), [order[0], order[4]]);
    assert.ok(await page.locator('.select-bar').isHidden());
    assert.equal((await page.locator('.album .status').textContent()).trim(), '2 photos.');
    const left = await page.request.get(`${BASE}/api/photos`);
    assert.equal((await left.json()).total, 2);
    // Deleted photos are gone for the server too.
    for (const id of order.slice(1, 4)) {
      assert.equal((await page.request.get(`${BASE}/api/photos/${id}`)).status(), 404);
    }
    assert.deepEqual(problems, []);
  } finally {
    await b.close();
  }
  assert.deepEqual(found, [], 'no serious or critical axe-core violations');
});

test('the total counts every photo while the album shows a page; sharp tiles: the grid image on 1x and 2x screens', { skip: SKIP, timeout: 180000 }, async () => {
  const account = newAccount('e2e-sharp');
  const setup = await launch();
  try {
    await signUp(setup.page, account);
    await upload(setup.page, SPECS.slice(0, 4).map(makePhoto), '', '');
  } finally {
    await setup.close();
  }
  const found = [];
  for (const [size, opts] of [['desktop', { viewport: DESKTOP }], ['desktop-2x', { viewport: DESKTOP, deviceScaleFactor: 2 }],
    ['phone', { viewport: PHONE, deviceScaleFactor: 2, touch: true }]]) {
    const b = await launch(opts);
    const { page, problems } = b;
    try {
      await signIn(page, account);
      // A page of 2 out of 4: the status names the total.
      await page.goto(`${BASE}/#/album?limit=2`);
      await waitCount(page, '.grid .card', 2);
      assert.equal((await page.locator('.album .status').textContent()).trim(), '4 photos · 2 shown.');
      await album(page, 4);
      // The portrait (600x900) tile: its image is the grid image, 400 px high, not the
      // 133x200 thumbnail stretched; the thumbnail stays a smaller candidate.
      const img = page.locator('.grid .card').first().locator('img.thumb');
      // (naturalWidth is scaled by the srcset density: the bytes are decoded to count pixels)
      const got = await img.evaluate(async (el) => {
        const bitmap = await createImageBitmap(await (await fetch(el.currentSrc)).blob());
        return {
          src: el.currentSrc, w: bitmap.width, h: bitmap.height, srcset: el.getAttribute('srcset'), shown: el.getBoundingClientRect().height,
        };
      });
      assert.match(got.src, /size=grid$/, `${size}: the grid image is used`);
      assert.deepEqual([got.w, got.h], [267, 400]);
      assert.match(got.srcset, /size=thumb 133w, .*size=grid 267w$/);
      assert.ok(got.h >= got.shown * (opts.deviceScaleFactor || 1) * 0.85, `${size}: at least as sharp as the screen (${got.h} px for ${got.shown} CSS px)`);
      if (size === 'phone') {
        // A touch screen has no hover: the checkboxes show; a tap on one selects.
        await page.waitForFunction(() => getComputedStyle(document.querySelector('.grid .card .card-select')).opacity === '1');
        await box(page, 0).tap();
        await page.locator('.select-bar').waitFor();
        assert.equal(await count(page), '1 selected');
        for (const v of await seriousViolations(page)) found.push(`album selecting (phone): ${v}`);
        await shot(page, 'views/album-selecting-phone.png');
        // Nothing wider than the phone (a mobile browser would zoom the page out, and
        // the fixed selection bar would sit below the screen).
        assert.deepEqual(await page.evaluate(() => [document.documentElement.scrollWidth, innerWidth]), [390, 390]);
        await page.getByRole('button', { name: 'Clear selection' }).tap();
        await page.locator('.select-bar').waitFor({ state: 'hidden' });
      }
      assert.deepEqual(problems, [], size);
    } finally {
      await b.close();
    }
  }
  assert.deepEqual(found, [], 'no serious or critical axe-core violations');
});

test('the viewer\'s info panel: a mini-map where the photo has a place (Leaflet loaded only then), none without', { skip: SKIP, timeout: 180000 }, async () => {
  const account = newAccount('e2e-minimap');
  const setup = await launch();
  let withPlace;
  let without;
  try {
    await signUp(setup.page, account);
    await upload(setup.page, [
      makePhoto({ name: 'busan.jpg', color: [40, 110, 200], taken: '2022:01:02 08:05:00', lat: 35.1796, lng: 129.0756 }),
      makePhoto({ name: 'nowhere.jpg', color: [220, 150, 40], taken: '2022:01:01 08:05:00' }),
    ], '', '');
    const photos = await photosOf(setup.page);
    withPlace = photos.find((p) => p.filename_orig === 'busan.jpg').id;
    without = photos.find((p) => p.filename_orig === 'nowhere.jpg').id;
  } finally {
    await setup.close();
  }
  const found = [];
  for (const [size, viewport] of [['desktop', DESKTOP], ['phone', PHONE]]) {
    const b = await launch({ viewport });
    const { page, problems } = b;
    try {
      await signIn(page, account);
      const leaflet = [];
      // Leaflet's files: /vendor/leaflet/ in the unbundled tree, /assets/leaflet-* in the build
      page.on('request', (req) => { if (/\/vendor\/leaflet\/|\/assets\/leaflet-/.test(new URL(req.url()).pathname)) leaflet.push(req.url()); });
      await page.goto(`${BASE}/#/photos/${withPlace}`);
      await imagesLoaded(page, 'img.original');
      assert.deepEqual(leaflet, [], 'no Leaflet before the panel opens');
      await page.getByRole('button', { name: 'Info', exact: true }).click();
      const mini = page.getByRole('region', { name: 'Map of where the photo was taken' });
      await mini.waitFor();
      await imagesLoaded(page, '.mini-map img.leaflet-marker-icon');
      await imagesLoaded(page, '.mini-map img.leaflet-tile-loaded');
      assert.ok(leaflet.length > 0, 'Leaflet is loaded for the mini-map');
      assert.equal(await page.locator('.mini-map img.leaflet-marker-icon').getAttribute('alt'), 'Where “busan.jpg” was taken');
      // The marker is at the photo's place: the map's centre.
      const off = await page.evaluate(() => {
        const m = document.querySelector('.mini-map').getBoundingClientRect();
        const i = document.querySelector('.mini-map img.leaflet-marker-icon').getBoundingClientRect();
        return [Math.abs((i.left + i.width / 2) - (m.left + m.width / 2)), Math.abs(i.bottom - (m.top + m.height / 2))];
      });
      assert.ok(off[0] < 3 && off[1] < 3, `marker at the centre (${off})`);
      for (const v of await seriousViolations(page)) found.push(`viewer mini-map (${size}): ${v}`);
      await shot(page, `views/viewer-minimap-${size}.png`);
      // The next photo has no place: no map (the panel stays open).
      await page.keyboard.press('ArrowRight');
      await page.waitForFunction((id) => location.hash === `#/photos/${id}`, String(without));
      await page.locator('#photo-info').waitFor();
      await page.locator('#photo-info .meta').waitFor();
      assert.equal(await page.locator('.mini-map').count(), 0);
      // Back: the map again; closing the panel removes it.
      await page.keyboard.press('ArrowLeft');
      await mini.waitFor();
      await page.getByRole('button', { name: 'Close information' }).click();
      await page.locator('.mini-map').waitFor({ state: 'detached' });
      assert.deepEqual(problems, [], size);
    } finally {
      await b.close();
    }
  }
  assert.deepEqual(found, [], 'no serious or critical axe-core violations');
});

test('bulk changes when some photos changed behind the page: a photo gone is named, not fatal; one already deleted counts as deleted', { skip: SKIP, timeout: 120000 }, async () => {
  const b = await launch();
  const { page, problems } = b;
  try {
    await signUp(page, newAccount('e2e-bulkfail'));
    await upload(page, SPECS.slice(0, 3).map(makePhoto), '', '');
    await album(page, 3);
    const order = await ids(page);
    await box(page, 0).click();
    await box(page, 2).click({ modifiers: ['Shift'] });
    assert.equal(await count(page), '3 selected');
    // Another tab deletes the middle photo (through the API, with this session's CSRF token).
    const csrf = (await b.context.cookies()).find((c) => c.name === 'csrf_token').value;
    const gone = await page.request.delete(`${BASE}/api/photos/${order[1]}`, { headers: { 'X-CSRF-Token': csrf } });
    assert.equal(gone.status(), 204);
    // Tagging: two tagged, the gone one named as a failure.
    await page.getByRole('region', { name: 'Selection' }).getByRole('button', { name: 'Add tag' }).click();
    await page.getByRole('dialog').getByLabel('Tag').fill('kept');
    await page.getByRole('dialog').getByRole('button', { name: 'Add tag' }).click();
    const flash = page.locator('#flash.flash-error');
    await flash.waitFor();
    assert.match(await flash.textContent(), /^2 of 3 photos tagged “kept”; 1 could not be: .+/);
    const tags = Object.fromEntries((await photosOf(page)).map((p) => [String(p.id), p.tags]));
    assert.deepEqual(tags, { [order[0]]: 'kept', [order[2]]: 'kept' });
    // Deleting: the one already gone counts as deleted.
    await page.getByRole('region', { name: 'Selection' }).getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete', exact: true }).click();
    await page.locator('#flash.flash-success', { hasText: '3 photos deleted.' }).waitFor();
    await page.locator('.album .status', { hasText: 'No photos yet.' }).waitFor();
    assert.deepEqual(await photosOf(page), []);
    assert.deepEqual(problems, []);
  } finally {
    await b.close();
  }
});
