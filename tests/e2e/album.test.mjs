// album.test.mjs — the CloudAlbum web app end to end in headless Chromium:
// sign up → upload two photos with GPS → album → map → search → edit → delete
// → change the username → sign out → signed-out pages go to sign-in.
// Needs CA_BASE_URL (the running cloudalbum-serve); without it the tests are skipped.
// Screenshots go to tests/artifacts/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, waitCount, waitHash, PHONE } from './browser.mjs';
import { photosWithGps, pngNamedJpg } from './fixtures.mjs';
import {
  BASE, SKIP, imagesLoaded, metaRow, newAccount, openInfo, shot, signUp, upload,
} from './helpers.mjs';

const XSS_TAG = '<img src=x onerror=alert(1)>';
const XSS_DESC = '<script>alert(2)</script><b>bold?</b>';
const XSS_FILE = '<img src=z onerror=alert(3)>.jpg';
const TOKYO = { lat: 35.6895, lng: 139.6917 };

test('sign up, upload, album, map, search, edit, delete, profile, sign out', { skip: SKIP, timeout: 180000 }, async () => {
  const photos = photosWithGps();
  const account = newAccount('e2e');
  const b = await launch();
  const { page, problems } = b;
  try {
    // Signed out, the app sends us to sign-in.
    await page.goto(`${BASE}/#/album`);
    await waitHash(page, '#/signin');

    await signUp(page, account);

    // Two uploads with different tags; one tag is hostile markup.
    await upload(page, [photos[0].path], `seaside,${XSS_TAG}`, 'First photo');
    await upload(page, [photos[1].path], 'mountain,hike', 'Second photo');

    // The album: both thumbnails, newest first, loaded.
    await waitCount(page, '.grid .card', 2);
    await imagesLoaded(page, '.grid .card img.thumb');
    const titles = await page.locator('.grid .card .card-title').allTextContents();
    assert.deepEqual(titles, ['Second photo', 'First photo'], 'album is newest first');
    await shot(page, 'album.png');
    // The hostile tag is shown as text in the viewer's info panel, never as an element.
    await page.locator('.grid .card a.card-link').nth(1).click();
    await openInfo(page);
    const tagTexts = await page.locator('#photo-info .tag').allTextContents();
    assert.ok(tagTexts.includes(XSS_TAG), `the tag ${XSS_TAG} is shown literally (saw ${JSON.stringify(tagTexts)})`);
    assert.equal(await page.locator('img[src="x"]').count(), 0, 'no element was made from the tag');

    // The map: two markers (tiles cannot load here; markers must not need them).
    await page.goto(`${BASE}/#/map`);
    await waitCount(page, '.leaflet-marker-icon', 2);
    await imagesLoaded(page, '.leaflet-marker-icon');
    await shot(page, 'map.png');
    // A marker's popup shows the thumbnail and links to its photo.
    await page.locator('.leaflet-marker-icon').first().click();
    await page.locator('.leaflet-popup .popup a[href^="#/photos/"]').waitFor();
    await imagesLoaded(page, '.leaflet-popup .popup img');
    await page.waitForFunction(() => getComputedStyle(document.querySelector('.leaflet-popup')).opacity === '1');
    await shot(page, 'map-popup.png');
    // Markers work from the keyboard: the popup's close button, then Enter on another marker.
    await page.locator('.leaflet-popup-close-button').focus();
    await page.keyboard.press('Enter');
    await page.locator('.leaflet-popup').waitFor({ state: 'detached' });
    await page.locator('.leaflet-marker-icon').nth(1).focus();
    await page.keyboard.press('Enter');
    await page.locator('.leaflet-popup .popup a[href^="#/photos/"]').waitFor();

    // Search by a tag finds exactly the photo that has it.
    await page.goto(`${BASE}/#/album`);
    await waitCount(page, '.grid .card', 2);
    await page.getByLabel('Search tags, descriptions, places and file names').fill('mountain');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await waitHash(page, '#/album');
    await page.waitForFunction(() => location.hash === '#/album?q=mountain');
    await waitCount(page, '.grid .card', 1);
    assert.equal((await page.locator('.grid .card .card-title').textContent()).trim(), 'Second photo');

    // The photo page: original, metadata as exiftool reads it.
    await page.locator('.grid .card a.card-link').first().click();
    await page.waitForFunction(() => location.hash.startsWith('#/photos/'));
    const photoHash = await page.evaluate(() => location.hash);
    await imagesLoaded(page, 'img.original');
    await openInfo(page);
    const expected = photos[1];
    if (expected.make || expected.model) {
      assert.equal(await metaRow(page, 'Camera'), [expected.make, expected.model].filter(Boolean).join(' '));
    }
    assert.equal(await metaRow(page, 'Size'), `${expected.width} × ${expected.height} px`);
    const coords = (await metaRow(page, 'Coordinates')).split(',').map(Number);
    assert.ok(Math.abs(coords[0] - expected.lat) < 1e-3 && Math.abs(coords[1] - expected.lng) < 1e-3,
      `coordinates ${coords} match the photo's GPS ${expected.lat},${expected.lng}`);

    // Edit its description; it is saved (still there after a reload).
    await openInfo(page, { edit: true });
    await page.getByLabel('Description').fill('Edited on the mountain');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.locator('h1.photo-title', { hasText: 'Edited on the mountain' }).waitFor();
    await page.reload();
    await page.locator('h1.photo-title', { hasText: 'Edited on the mountain' }).waitFor();
    await imagesLoaded(page, 'img.original');
    await shot(page, 'photo.png');

    // The map of this one photo.
    await openInfo(page);
    await page.getByRole('link', { name: 'Show on map' }).click();
    await waitCount(page, '.leaflet-marker-icon', 1);

    // Phone-sized screens.
    const phone = await b.context.newPage();
    await phone.setViewportSize(PHONE);
    await phone.goto(`${BASE}/#/album`);
    await waitCount(phone, '.grid .card', 2);
    await imagesLoaded(phone, '.grid .card img.thumb');
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `no sideways scrolling at phone size (overflow ${overflow}px)`);
    await shot(phone, 'album-phone.png');
    await phone.goto(`${BASE}/${photoHash}`);
    await imagesLoaded(phone, 'img.original');
    await shot(phone, 'photo-phone.png');
    await phone.goto(`${BASE}/#/map`);
    await waitCount(phone, '.leaflet-marker-icon', 2);
    await shot(phone, 'map-phone.png');
    await phone.close();

    // Delete it, with confirmation; cancelling first keeps it.
    await page.goto(`${BASE}/${photoHash}`);
    await openInfo(page);
    await page.getByRole('button', { name: 'Delete photo' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    assert.equal(await page.evaluate(() => location.hash), photoHash, 'cancel keeps the photo page');
    await page.getByRole('button', { name: 'Delete photo' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete', exact: true }).click();
    // back to the album page it was opened from (the search for "mountain", now empty)
    await page.waitForFunction(() => location.hash === '#/album?q=mountain');
    await page.locator('.album .status', { hasText: 'No photos match' }).waitFor();
    await page.goto(`${BASE}/#/album`);
    await waitCount(page, '.grid .card', 1);
    assert.equal((await page.locator('.grid .card .card-title').textContent()).trim(), 'First photo');
    await page.goto(`${BASE}/#/map`);
    await waitCount(page, '.leaflet-marker-icon', 1);

    // Change the username; the top bar and a reload show the new one.
    const newName = `renamed ${account.username.split(' ')[1]}`;
    await page.goto(`${BASE}/#/profile`);
    await page.getByLabel('Name shown in the album').fill(newName);
    await page.getByLabel('Current password').fill(account.password);
    await page.getByRole('button', { name: 'Save profile' }).click();
    await page.locator('#nav-user').filter({ hasText: newName }).waitFor();
    await page.reload();
    await page.locator('#nav-user').filter({ hasText: newName }).waitFor();

    // Sign out; every signed-in page now goes to sign-in, and the API agrees.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await waitHash(page, '#/signin');
    for (const hash of ['#/album', '#/upload', '#/map', '#/profile', photoHash, '#/map/1']) {
      await page.goto(`${BASE}/${hash}`);
      await waitHash(page, '#/signin');
      assert.ok(await page.locator('#nav').isHidden(), `no navigation for signed-out users at ${hash}`);
    }
    const me = await page.request.get(`${BASE}/api/me`);
    assert.equal(me.status(), 401, 'the session is gone');

    // Signing in again works and lands in the album with the remaining photo.
    await page.getByLabel('Email').fill(account.email);
    await page.getByLabel('Password').fill(account.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await waitHash(page, '#/album');
    await waitCount(page, '.grid .card', 1);

    assert.deepEqual(problems, [], 'no page errors, CSP violations or dialogs');
  } finally {
    await b.close();
  }
});

test('several files at once, per-file errors, and a wrong password', { skip: SKIP, timeout: 120000 }, async () => {
  const goods = photosWithGps();
  const bad = pngNamedJpg(XSS_FILE);
  const account = newAccount('e2e-files');
  const b = await launch({ viewport: PHONE });
  const { page, problems } = b;
  try {
    // A wrong password is refused with the server's sentence.
    await signUp(page, account);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await waitHash(page, '#/signin');
    await page.getByLabel('Email').fill(account.email);
    await page.getByLabel('Password').fill(`${account.password}-wrong`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('.form-error').waitFor();
    assert.notEqual((await page.locator('.form-error').textContent()).trim(), '');
    assert.equal(await page.evaluate(() => location.hash), '#/signin');
    await page.getByLabel('Password').fill(account.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await waitHash(page, '#/album');

    const config = await (await page.request.get(`${BASE}/api/config`)).json();
    const maxMb = Number(config.max_upload_mb) > 0 ? Number(config.max_upload_mb) : 20;

    await page.goto(`${BASE}/#/upload`);
    // One real JPEG and one PNG named .jpg through the picker ...
    await page.locator('input[type=file]').setInputFiles([goods[0].path, goods[1].path, bad]);
    // ... and one file over the size limit dropped onto the drop zone.
    await page.evaluate((bytes) => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(bytes)], 'huge.jpg', { type: 'image/jpeg' }));
      const zone = document.querySelector('.dropzone');
      zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
      zone.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, maxMb * 1024 * 1024 + 1);
    await waitCount(page, '.files .file', 4);
    // A preview of each file that will be sent (not of the one refused before sending;
    // the PNG named .jpg is refused by the server only).
    await page.waitForFunction(() => [...document.querySelectorAll('.files img.file-preview')]
      .filter((img) => img.complete && img.naturalWidth > 0).length === 3);
    assert.equal(await page.locator('.files img.file-preview').count(), 3, 'the JPEGs and the PNG named .jpg');
    // "N of M" while sending, read as the status line changes.
    await page.evaluate(() => {
      window.uploadStatuses = [];
      const el = document.querySelector('.upload-form .status');
      new MutationObserver(() => window.uploadStatuses.push(el.textContent)).observe(el, { childList: true, characterData: true, subtree: true });
    });
    const huge = page.locator('.files .file', { hasText: 'huge.jpg' });
    assert.equal(await huge.getAttribute('data-state'), 'bad', 'an oversized file is refused before sending');
    assert.match(await huge.locator('.file-status').textContent(), /too large/i);

    await page.getByLabel('Tags').fill('batch');
    await page.getByLabel('Description').fill(XSS_DESC);
    await page.getByRole('button', { name: 'Upload 3 photos' }).click();
    const badRow = page.locator('.files .file', { hasText: XSS_FILE });
    assert.equal((await badRow.locator('.file-name').textContent()), XSS_FILE, 'the file name is shown as text');
    await page.waitForFunction(() => [...document.querySelectorAll('.files .file')]
      .every((row) => ['done', 'failed', 'bad'].includes(row.dataset.state)));
    assert.equal(await badRow.getAttribute('data-state'), 'failed', 'the PNG is refused by the server');
    const badMessage = (await badRow.locator('.file-status').textContent()).trim();
    assert.ok(badMessage.length > 0, 'the server gives a reason for the refused file');
    for (const good of goods) {
      assert.equal(await page.locator('.files .file', { hasText: good.path.split('/').pop() }).getAttribute('data-state'), 'done');
    }
    assert.match(await page.locator('.upload-form .status').textContent(), /2 uploaded, 1 failed/);
    const statuses = await page.evaluate(() => window.uploadStatuses);
    for (const n of [1, 2, 3]) assert.ok(statuses.includes(`Uploading ${n} of 3…`), `"Uploading ${n} of 3…" in ${JSON.stringify(statuses)}`);
    await shot(page, 'upload-errors-phone.png');

    // Paging: one photo per page, then "more" brings the other.
    await page.goto(`${BASE}/#/album?limit=1`);
    await waitCount(page, '.grid .card', 1);
    const firstId = await page.locator('.grid .card').getAttribute('data-photo-id');
    await page.getByRole('button', { name: 'Show more photos' }).click();
    await waitCount(page, '.grid .card', 2);
    await page.getByRole('button', { name: 'Show more photos' }).waitFor({ state: 'hidden' });
    const ids = await page.locator('.grid .card').evaluateAll((cards) => cards.map((c) => c.dataset.photoId));
    assert.equal(ids[0], firstId, 'the first page stays first');
    assert.notEqual(ids[1], firstId, 'the second page brings another photo');
    assert.deepEqual(await page.locator('.grid .card .card-title').allTextContents(), [XSS_DESC, XSS_DESC],
      'the description is shown as text');
    assert.equal(await page.locator('main script, main b, img[src="z"]').count(), 0, 'no element was made from the text');
    await page.locator('.grid .card a.card-link').first().click();
    await page.locator('h1.photo-title', { hasText: XSS_DESC }).waitFor();
    assert.equal(await page.locator('main script, main b').count(), 0, 'no element was made on the photo page');
    await openInfo(page, { edit: true });

    // Move this photo to Tokyo: the page shows the new place; then clear its location.
    const geocoding = (await (await page.request.get(`${BASE}/api/config`)).json())?.geocoding === true;
    await page.getByLabel('Latitude').fill(String(TOKYO.lat));
    await page.getByLabel('Longitude').fill(String(TOKYO.lng));
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.locator('.meta-row[data-field="coordinates"] dd', { hasText: String(TOKYO.lat) }).waitFor();
    const moved = (await metaRow(page, 'Coordinates')).split(',').map(Number);
    assert.ok(Math.abs(moved[0] - TOKYO.lat) < 1e-3 && Math.abs(moved[1] - TOKYO.lng) < 1e-3,
      `coordinates ${moved} are the ones entered`);
    if (geocoding) assert.equal(await metaRow(page, 'Country'), 'Japan', 'the new place is named');
    await page.reload();
    await openInfo(page);
    await page.locator('.meta-row[data-field="coordinates"]').waitFor();
    assert.deepEqual((await metaRow(page, 'Coordinates')).split(',').map(Number), moved, 'the move was saved');
    await openInfo(page, { edit: true });
    await page.getByLabel('Latitude').fill('');
    await page.getByLabel('Longitude').fill('');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.locator('.meta-row[data-field="coordinates"]').waitFor({ state: 'detached' });
    assert.equal(await page.locator('.meta-row[data-field="country"]').count(), 0, 'no place without a location');
    assert.equal(await page.getByRole('link', { name: 'Show on map' }).count(), 0, 'nothing to show on a map');
    await page.reload();
    await page.locator('h1.photo-title', { hasText: XSS_DESC }).waitFor();
    await openInfo(page);
    assert.equal(await page.locator('.meta-row[data-field="coordinates"]').count(), 0, 'the location stays cleared');
    await page.goto(`${BASE}/#/map`);
    await waitCount(page, '.leaflet-marker-icon', 1);
    assert.deepEqual(problems, [], 'no page errors, CSP violations or dialogs');
  } finally {
    await b.close();
  }
});
