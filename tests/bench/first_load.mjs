// first_load.mjs — the album's first load in headless Chromium over a slow link, as a
// signed-in user with an empty browser cache, measured through the DevTools protocol.
//
// As a module: firstLoad(base, account, opts) → {ms, requests, bytes, staticRequests,
// staticBytes, encodings}. As a program (tests/bench/web.sh):
//   node tests/bench/first_load.mjs EMAIL PASSWORD ROUNDS NAME=BASE_URL...
// prints, per NAME, the median of ROUNDS loads (the names take turns, so drift in the
// machine's load falls on each alike) and each against the first NAME.
//
// What is measured: from navigation start (performance.timeOrigin) to the first frame
// after the first <img> inside <main> has loaded and lies in the viewport ("time to first
// photo"); requests started and bytes received (encodedDataLength: headers and body as
// sent, compressed where it was) up to then. The latency is added to every request by
// Network.emulateNetworkConditions (no bandwidth limit).
import { pathToFileURL } from 'node:url';
import { launch } from '../e2e/browser.mjs';

export const LATENCY_MS = 150;

// Runs in the page before its own scripts (outside its CSP): notes the first photo.
function watchFirstPhoto() {
  window.__firstPhoto = new Promise((resolve) => {
    document.addEventListener('load', (ev) => {
      const img = ev.target;
      if (!(img instanceof HTMLImageElement) || !img.closest('main') || !img.naturalWidth) return;
      const r = img.getBoundingClientRect();
      if (r.bottom <= 0 || r.top >= innerHeight || r.width === 0) return;
      requestAnimationFrame(() => resolve(performance.now()));
    }, true);
  });
}

export async function firstLoad(base, account, { latency = LATENCY_MS, hash = '#/album', viewport } = {}) {
  const b = await launch(viewport ? { viewport } : {});
  try {
    const { context, page } = b;
    // Signed in through the API (the browser's cookie jar, not its HTTP cache).
    const r = await context.request.post(`${base}/api/session`, {
      data: { email: account.email, password: account.password },
    });
    if (!r.ok()) throw new Error(`sign-in answered ${r.status()}: ${await r.text()}`);
    await context.addInitScript(watchFirstPhoto);
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false, latency, downloadThroughput: -1, uploadThroughput: -1,
    });
    const seen = new Map(); // requestId → {url, bytes, at, encoding}
    cdp.on('Network.requestWillBeSent', (e) => {
      if (!seen.has(e.requestId)) seen.set(e.requestId, { url: e.request.url, bytes: 0, at: e.timestamp });
    });
    cdp.on('Network.responseReceived', (e) => {
      const s = seen.get(e.requestId);
      if (!s) return;
      const h = Object.fromEntries(Object.entries(e.response.headers).map(([k, v]) => [k.toLowerCase(), v]));
      s.encoding = h['content-encoding'] || '';
    });
    cdp.on('Network.loadingFinished', (e) => {
      const s = seen.get(e.requestId);
      if (s) { s.bytes = e.encodedDataLength; s.end = e.timestamp; }
    });
    await page.goto(`${base}/${hash}`);
    const ms = await page.evaluate(() => window.__firstPhoto);
    // Requests are counted up to the photo: those that started before it (CDP timestamps
    // are seconds on a monotonic clock; the first request is the page's, at navigation).
    const times = [...seen.values()];
    const t0 = Math.min(...times.map((s) => s.at));
    const before = times.filter((s) => (s.at - t0) * 1000 <= ms);
    const isStatic = (s) => !new URL(s.url).pathname.startsWith('/api/');
    const sum = (list) => list.reduce((n, s) => n + s.bytes, 0);
    return {
      ms,
      requests: before.length,
      bytes: sum(before),
      staticRequests: before.filter(isStatic).length,
      staticBytes: sum(before.filter(isStatic)),
      encodings: [...new Set(before.filter(isStatic).map((s) => s.encoding || 'identity'))].sort(),
      urls: before.map((s) => `${new URL(s.url).pathname + new URL(s.url).search}@${Math.round((s.at - t0) * 1000)}-${Math.round(((s.end || s.at) - t0) * 1000)}`),
    };
  } finally {
    await b.close();
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function main() {
  const [email, password, roundsArg, ...targets] = process.argv.slice(2);
  const rounds = Number(roundsArg);
  if (!email || !password || !(rounds >= 1) || targets.length === 0) {
    console.error('usage: node tests/bench/first_load.mjs EMAIL PASSWORD ROUNDS NAME=BASE_URL...');
    process.exit(2);
  }
  const runs = targets.map((t) => {
    const i = t.indexOf('=');
    return { name: t.slice(0, i), base: t.slice(i + 1), results: [] };
  });
  const account = { email, password };
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 ? [...runs].reverse() : runs;
    for (const run of order) run.results.push(await firstLoad(run.base, account));
  }
  const lat = LATENCY_MS;
  console.log(`first load of the album, signed in, empty cache, ${lat} ms latency per request; median of ${rounds}`);
  console.log('name         first photo  requests  bytes      static req  static bytes  encodings');
  const summary = runs.map((run) => {
    const m = (k) => median(run.results.map((r) => r[k]));
    return {
      name: run.name, ms: m('ms'), requests: m('requests'), bytes: m('bytes'),
      staticRequests: m('staticRequests'), staticBytes: m('staticBytes'),
      encodings: run.results[0].encodings.join(','), all: run.results.map((r) => Math.round(r.ms)),
    };
  });
  for (const s of summary) {
    console.log(`${s.name.padEnd(12)} ${`${Math.round(s.ms)} ms`.padStart(11)}  ${String(s.requests).padStart(8)}  ${String(s.bytes).padStart(9)}  ${String(s.staticRequests).padStart(10)}  ${String(s.staticBytes).padStart(12)}  ${s.encodings}`);
  }
  const [base] = summary;
  for (const s of summary.slice(1)) {
    console.log(`${s.name} / ${base.name}: time ${(s.ms / base.ms).toFixed(2)}x, requests ${(s.requests / base.requests).toFixed(2)}x, bytes ${(s.bytes / base.bytes).toFixed(2)}x`);
  }
  for (const s of summary) console.log(`${s.name} each round (ms): ${s.all.join(' ')}`);
  if (process.env.BENCH_URLS) for (const run of runs) console.log(`${run.name} requests: ${run.results[0].urls.join(' ')}`);
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e) => { console.error(`first_load: ${e.stack || e}`); process.exit(1); });
}
