// helpers.mjs — steps several browser tests share: accounts, sign-up, upload through the
// page, waiting for images, the viewer's info panel, screenshots and the axe-core scan.
import { mkdirSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { createRequire } from 'node:module';
import { waitHash } from './browser.mjs';
import { ROOT } from './fixtures.mjs';

export const BASE = (process.env.CA_BASE_URL || '').replace(/\/+$/, '');
export const SKIP = BASE ? false : 'CA_BASE_URL is not set: start cloudalbum-serve and point CA_BASE_URL at it';
export const ARTIFACTS = join(ROOT, 'tests', 'artifacts');

export function newAccount(prefix) {
  const id = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  return { email: `${prefix}-${id}@example.com`, username: `${prefix} ${id}`, password: `pw-${id}-Secret!` };
}

// A screenshot under tests/artifacts/ (name may hold a sub-folder); returns its path.
export async function shot(page, name) {
  const path = join(ARTIFACTS, name);
  mkdirSync(dirname(path), { recursive: true });
  await page.screenshot({ path, fullPage: false });
  return path;
}

// A goto that changes only the hash returns before the router has drawn the new view, and
// the sign-up and sign-in forms share field labels: wait for the form's own heading first.
export async function signUp(page, account) {
  await page.goto(`${BASE}/#/signup`);
  await page.getByRole('heading', { name: 'Create an account' }).waitFor();
  await page.getByLabel('Email').fill(account.email);
  await page.getByLabel('Name shown in the album').fill(account.username);
  await page.getByLabel('Password', { exact: true }).fill(account.password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await waitHash(page, '#/upload');
  await page.locator('#nav-user').filter({ hasText: account.username }).waitFor();
}

export async function signIn(page, account) {
  await page.goto(`${BASE}/#/signin`);
  await page.getByRole('heading', { name: 'Sign in', exact: true }).waitFor();
  await page.getByLabel('Email').fill(account.email);
  await page.getByLabel('Password', { exact: true }).fill(account.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await waitHash(page, '#/album');
}

// Uploads files through the picker with tags and description; waits for the album.
export async function upload(page, files, tags = '', desc = '') {
  await page.goto(`${BASE}/#/upload`);
  await page.locator('input[type=file]').setInputFiles(files);
  await page.getByLabel('Tags').fill(tags);
  await page.getByLabel('Description').fill(desc);
  await page.locator('form.upload-form button[type=submit]').click();
  await waitHash(page, '#/album');
}

// Every <img> matching selector has loaded real pixels.
export async function imagesLoaded(page, selector) {
  await page.waitForFunction((sel) => {
    const imgs = [...document.querySelectorAll(sel)];
    return imgs.length > 0 && imgs.every((img) => img.complete && img.naturalWidth > 0);
  }, selector);
}

// The signed-in user's photos as the API lists them (newest upload first).
export async function photosOf(page) {
  const r = await page.request.get(`${BASE}/api/photos?limit=100`);
  if (r.status() !== 200) throw new Error(`GET /api/photos answered ${r.status()}`);
  return (await r.json()).photos;
}

// Opens the viewer's info panel (unless open) and, with edit, its edit form.
export async function openInfo(page, { edit = false } = {}) {
  const info = page.getByRole('button', { name: 'Info', exact: true });
  await info.waitFor();
  if (await info.getAttribute('aria-expanded') !== 'true') await info.click();
  await page.locator('#photo-info').waitFor();
  if (edit) {
    const editBtn = page.locator('#photo-info').getByRole('button', { name: 'Edit', exact: true });
    if (await editBtn.getAttribute('aria-expanded') !== 'true') await editBtn.click();
    await page.locator('#edit-form').waitFor();
  }
}

// The text of the viewer's metadata row with the given label.
export async function metaRow(page, label) {
  const row = page.locator('.meta-row').filter({ has: page.locator('dt', { hasText: label }) });
  return (await row.locator('dd').textContent()).trim();
}

// Spaces as one kind (ICU puts U+202F before "AM"), for comparing formatted dates.
export const spaces = (s) => String(s).replace(/\s+/g, ' ').trim();

// The API's date text ("…T…ffffff+0000") as a Date.
export function apiDate(text) {
  return new Date(text.replace(' ', 'T').replace(/(\.\d{3})\d+/, '$1').replace(/([+-]\d\d)(\d\d)$/, '$1:$2'));
}

// axe-core, pinned in package.json; evaluated in the page (outside its CSP, as a test tool).
const require = createRequire(import.meta.url);
let axeSource = null;
function axe() {
  if (!axeSource) axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  return axeSource;
}

// The serious and critical axe-core violations on the page, as readable lines.
export async function seriousViolations(page) {
  await page.evaluate(axe());
  const violations = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')),
    }));
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.join(' | ')}`);
}
