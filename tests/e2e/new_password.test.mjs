// new_password.test.mjs — the sign-in page's "choose a new password" step, in headless
// Chromium on a phone-sized screen, against a stage-3 (Cognito) cloudalbum-serve whose
// pool holds a migrated user with a legacy password the pool's rules refuse.
// tests/integration/test_migrate_signin.py sets that up on moto and runs this file with
// CA_NEWPW_BASE_URL, CA_NEWPW_EMAIL, CA_NEWPW_PASSWORD (the legacy password) and
// CA_NEWPW_NEW (the new password to choose); without them the test is skipped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { launch, waitHash, PHONE } from './browser.mjs';
import { ROOT } from './fixtures.mjs';

const BASE = (process.env.CA_NEWPW_BASE_URL || '').replace(/\/+$/, '');
const { CA_NEWPW_EMAIL: EMAIL, CA_NEWPW_PASSWORD: OLD, CA_NEWPW_NEW: NEW } = process.env;
const SKIP = BASE && EMAIL && OLD && NEW ? false
  : 'CA_NEWPW_* are not set: tests/integration/test_migrate_signin.py runs this against stage 3';
const ARTIFACTS = join(ROOT, 'tests', 'artifacts');

test('a migrated user whose legacy password the pool refuses chooses a new one', { skip: SKIP, timeout: 120000 }, async () => {
  const b = await launch({ viewport: PHONE });
  const { page, problems } = b;
  try {
    await page.goto(`${BASE}/#/signin`);
    await page.getByLabel('Email').fill(EMAIL);
    await page.getByLabel('Password', { exact: true }).fill(OLD);
    assert.equal(await page.getByLabel('New password', { exact: true }).count(), 0, 'no new-password field at first');
    await page.getByRole('button', { name: 'Sign in' }).click();

    // The server's sentence, and the two new fields.
    const note = page.locator('.form-note');
    await note.waitFor();
    assert.match(await note.textContent(), /password is right/);
    const chosen = page.getByLabel('New password', { exact: true });
    const confirm = page.getByLabel('Confirm new password', { exact: true });
    await chosen.waitFor();
    const submit = page.getByRole('button', { name: 'Set new password and sign in' });
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'signin-new-password.png') });

    // Confirmation that differs: stopped here, nothing sent.
    await chosen.fill(NEW);
    await confirm.fill(`${NEW}-other`);
    await submit.click();
    await page.locator('.field-error', { hasText: 'not the same' }).waitFor(); // under its field

    // A new password the pool refuses: its sentence, the fields stay.
    await chosen.fill('alllowercase123');
    await confirm.fill('alllowercase123');
    await submit.click();
    await page.locator('.form-error', { hasText: 'password policy' }).waitFor();
    assert.equal(await page.evaluate(() => location.hash), '#/signin');
    assert.equal(await chosen.count(), 1);

    // Editing the email takes the step away again; signing in asks for it once more.
    await page.getByLabel('Email').fill(`${EMAIL} `);
    assert.equal(await chosen.count(), 0);
    await page.getByLabel('Email').fill(EMAIL);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await chosen.waitFor();

    // Nothing sticks out sideways on a phone.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `page is ${overflow}px wider than the phone screen`);

    await chosen.fill(NEW);
    await confirm.fill(NEW);
    await submit.click();
    await waitHash(page, '#/album');
    const me = await page.evaluate(async () => {
      const r = await fetch('/api/me');
      return { status: r.status, body: await r.json() };
    });
    assert.equal(me.status, 200);
    assert.equal(me.body.email, EMAIL);
    assert.deepEqual(problems, []);
  } finally {
    await b.close();
  }
});
