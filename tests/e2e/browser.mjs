// browser.mjs — starting Debian's Chromium through playwright-core for the
// end-to-end tests, with a fresh profile and the flags this machine needs
// (no background networking: the sandbox's network is closed).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.CA_CHROMIUM || '/usr/bin/chromium';
export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1366, height: 900 };

const ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

// Launches Chromium with a new empty user-data-dir. Returns {context, page,
// problems, close}: `problems` collects what must never happen in the app
// (page errors, CSP violations, JavaScript dialogs such as an injected alert).
// timezoneId ("America/New_York") and locale ("en-US") set what the page sees;
// deviceScaleFactor (2: a "retina" screen) and touch (a phone: touch events, no hover).
export async function launch({
  viewport = DESKTOP, timezoneId, locale = 'en-US', deviceScaleFactor, touch = false,
} = {}) {
  const profile = mkdtempSync(join(tmpdir(), 'ca-e2e-chromium-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
      viewport,
      locale,
      ...(timezoneId ? { timezoneId } : {}),
      ...(deviceScaleFactor ? { deviceScaleFactor } : {}),
      ...(touch ? { hasTouch: true, isMobile: true } : {}),
      timeout: 60000,
    });
  } catch (e) {
    rmSync(profile, { recursive: true, force: true });
    throw e;
  }
  context.setDefaultTimeout(20000);
  const problems = [];
  // Runs before any page script, outside the page's CSP.
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (ev) => {
      console.error(`CSP violation: ${ev.violatedDirective} blocked ${ev.blockedURI}`);
    });
  });
  const watch = (page) => {
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('console', (msg) => {
      const text = msg.text();
      if (/CSP violation|Content Security Policy/i.test(text)) problems.push(text);
    });
    page.on('dialog', async (dialog) => {
      problems.push(`unexpected ${dialog.type()} dialog: ${dialog.message()}`);
      await dialog.dismiss();
    });
  };
  context.on('page', watch);
  const page = context.pages()[0] || await context.newPage();
  watch(page);
  return {
    context,
    page,
    problems,
    async close() {
      try {
        await context.close();
      } finally {
        rmSync(profile, { recursive: true, force: true });
      }
    },
  };
}

// Waits until exactly n elements match selector.
export async function waitCount(page, selector, n) {
  await page.waitForFunction(([sel, count]) => document.querySelectorAll(sel).length === count,
    [selector, n]);
}

// Waits until the page's hash route is `hash` (e.g. "#/signin").
export async function waitHash(page, hash) {
  await page.waitForFunction((h) => location.hash === h || location.hash.startsWith(`${h}?`), hash);
}
