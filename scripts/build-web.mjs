#!/usr/bin/env node
// scripts/build-web.mjs — the front end as cloudalbum-serve serves it: web/ bundled and
// minified by esbuild (pinned in package.json) into OUT (default build/web).
//
//   node scripts/build-web.mjs [OUT]
//
// What OUT holds (web/README.md, "The build"):
//   index.html                 web/index.html with the block from <!-- assets to
//                              <!-- /assets --> replaced by preloads of the first API
//                              answers every page asks for, the bundle's stylesheet, the
//                              boot script and the app's script; the top bar's logo inline
//   icon.svg                   copied
//   assets/boot-HASH.js        web/js/boot.js as a small classic script: takes the
//                              preloaded answers early and preloads the album's first
//                              tile images (web/README.md, "The build")
//   assets/app-HASH.js         the app (every module it imports statically), minified ESM,
//                              one file
//   assets/leaflet-HASH.js     Leaflet, imported by web/js/leaflet.js for the map views only
//   assets/app-HASH.css        web/css/app.css minified
//   assets/leaflet-HASH/       Leaflet's stylesheet (minified) and images, under a folder
//                              named by their content: Leaflet finds its marker images by
//                              their plain names next to the stylesheet
//   NAME.gz, NAME.br           next to every text file worth compressing (gzip -9, brotli 11)
// Everything under assets/ is named by its content and is served as immutable; index.html
// is always revalidated. The build is written beside OUT and renamed into place, so a
// server never sees half of it.
import { createHash } from 'node:crypto';
import {
  copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync,
  statSync, writeFileSync,
} from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants as zc, gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const WEB = join(ROOT, 'web');
const LEAFLET_DIST = join(ROOT, 'node_modules', 'leaflet', 'dist');
const OUT = resolve(process.argv[2] || join(ROOT, 'build', 'web'));
const TMP = `${OUT}.tmp-${process.pid}`;
const OLD = `${OUT}.old-${process.pid}`;

// The API answers the app asks for before it shows any page (app.js: the user and the
// config), and the album's first page (views/album.js: PAGE_SIZE and the default sort;
// api.js builds the query; boot.js names it too): fetched while the script downloads
// instead of after it ran. A preload that no
// fetch() matches costs one request and a console warning; tests/e2e/web_bundle.test.mjs
// checks that each is used.
const API_PRELOADS = ['/api/photos?limit=48&sort=taken', '/api/me', '/api/config'];

// Text files smaller than this are sent as they are (the headers outweigh the gain).
const COMPRESS_MIN = 256;
const COMPRESSIBLE = /\.(html|js|css|svg)$/;

function fail(message) {
  process.stderr.write(`build-web: ${message}\n`);
  process.exit(1);
}

// Leaflet's stylesheet and images under assets/leaflet-HASH/ (HASH over all of them).
async function leafletAssets() {
  const css = readFileSync(join(LEAFLET_DIST, 'leaflet.css'), 'utf8');
  const images = readdirSync(join(LEAFLET_DIST, 'images')).filter((n) => n.endsWith('.png')).sort();
  const h = createHash('sha256').update(css);
  for (const n of images) h.update(n).update(readFileSync(join(LEAFLET_DIST, 'images', n)));
  const dir = `assets/leaflet-${h.digest('base64url').replace(/[-_]/g, '').slice(0, 8).toUpperCase()}`;
  mkdirSync(join(TMP, dir, 'images'), { recursive: true });
  const min = await esbuild.transform(css, { loader: 'css', minify: true, legalComments: 'inline' });
  writeFileSync(join(TMP, dir, 'leaflet.css'), min.code);
  for (const n of images) copyFileSync(join(LEAFLET_DIST, 'images', n), join(TMP, dir, 'images', n));
  return `/${dir}/leaflet.css`;
}

// Leaflet alone (its own entry, so its lazy script is named leaflet-HASH.js): built
// first, so that the app can name it.
async function leafletScript() {
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: { leaflet: join(LEAFLET_DIST, 'leaflet-src.esm.js') },
    bundle: true,
    format: 'esm',
    target: ['es2020'],
    minify: true,
    legalComments: 'inline',
    outdir: TMP,
    entryNames: 'assets/[name]-[hash]',
    metafile: true,
    logLevel: 'warning',
    write: true,
  });
  const [file] = Object.keys(result.metafile.outputs).filter((f) => f.endsWith('.js'));
  if (!file) fail('esbuild did not name the Leaflet script in its metafile');
  return `/${relative(TMP, resolve(ROOT, file)).split('\\').join('/')}`;
}

// The app in one file (no shared chunk: one request fewer while the page starts, when
// the browser's six connections to the server are all busy); its dynamic import of
// Leaflet points at leafletJs. The stylesheet beside it. The boot script (js/boot.js)
// as a small classic script of its own.
async function bundle(leafletCss, leafletJs) {
  const leafletExternal = {
    name: 'leaflet-external',
    setup(build) {
      build.onResolve({ filter: /vendor\/leaflet\/leaflet-src\.esm\.js$/ }, () => ({
        path: leafletJs, external: true,
      }));
    },
  };
  const common = {
    absWorkingDir: ROOT,
    bundle: true,
    target: ['es2020'],
    minify: true,
    legalComments: 'inline',
    outdir: TMP,
    entryNames: 'assets/[name]-[hash]',
    assetNames: 'assets/[name]-[hash]',
    metafile: true,
    logLevel: 'warning',
    write: true,
  };
  const app = await esbuild.build({
    ...common,
    entryPoints: { app: join(WEB, 'js', 'app.js'), 'app-style': join(WEB, 'css', 'app.css') },
    format: 'esm',
    define: { CA_LEAFLET_CSS: JSON.stringify(leafletCss) },
    plugins: [leafletExternal],
  });
  const boot = await esbuild.build({
    ...common,
    entryPoints: { boot: join(WEB, 'js', 'boot.js') },
    format: 'iife',
  });
  const outputs = { ...app.metafile.outputs, ...boot.metafile.outputs };
  let js;
  let css;
  let bootJs;
  for (const [file, meta] of Object.entries(outputs)) {
    if (meta.entryPoint && meta.entryPoint.endsWith('js/app.js')) js = file;
    if (meta.entryPoint && meta.entryPoint.endsWith('js/boot.js')) bootJs = file;
    if (meta.entryPoint && meta.entryPoint.endsWith('css/app.css') && file.endsWith('.css')) css = file;
  }
  if (!js || !css || !bootJs) fail('esbuild did not name the app script, boot script and stylesheet in its metafile');
  // the entry "app-style" is written as app-style-HASH.css: name it app-HASH.css
  const cssName = `assets/app-${basename(css).replace(/^app-style-/, '')}`;
  renameSync(resolve(ROOT, css), join(TMP, cssName));
  const web = (file) => `/${relative(TMP, resolve(ROOT, file)).split('\\').join('/')}`;
  return { js: web(js), css: `/${cssName}`, boot: web(bootJs) };
}

function writeIndex({ js, css, boot }) {
  let src = readFileSync(join(WEB, 'index.html'), 'utf8');
  const block = /^([ \t]*)<!-- assets\b[\s\S]*?<!-- \/assets -->[ \t]*$/m;
  const m = block.exec(src);
  if (!m) fail('web/index.html has no <!-- assets --> … <!-- /assets --> block to replace');
  const ind = m[1];
  // the API answers first (they take longest), then what the page needs to show
  const lines = [
    ...API_PRELOADS.map((p) => `<link rel="preload" href="${p.replace(/&/g, "&amp;")}" as="fetch" crossorigin>`),
    `<link rel="stylesheet" href="${css}">`,
    `<script src="${boot}" async fetchpriority="high"></script>`,
    `<script type="module" src="${js}"></script>`,
  ];
  src = src.replace(block, lines.map((l) => ind + l).join('\n'));
  // the top bar's logo inline (a data: URL, which the CSP's img-src allows): one request
  // fewer while the page starts; the favicon link still names /icon.svg
  const logo = /(<img )src="\/icon\.svg"/;
  if (!logo.test(src)) fail('web/index.html has no <img src="/icon.svg"> logo to inline');
  const svg = readFileSync(join(WEB, 'icon.svg'), 'utf8').replace(/>\s+</g, '><').trim();
  src = src.replace(logo, `$1src="data:image/svg+xml,${encodeURIComponent(svg)}"`);
  writeFileSync(join(TMP, 'index.html'), src);
}

// NAME.gz and NAME.br beside each text file, when they are smaller.
function compressAll(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      compressAll(path);
      continue;
    }
    if (!COMPRESSIBLE.test(entry.name)) continue;
    const data = readFileSync(path);
    if (data.length < COMPRESS_MIN) continue;
    const gz = gzipSync(data, { level: 9 });
    const br = brotliCompressSync(data, {
      params: {
        [zc.BROTLI_PARAM_QUALITY]: zc.BROTLI_MAX_QUALITY,
        [zc.BROTLI_PARAM_SIZE_HINT]: data.length,
        [zc.BROTLI_PARAM_MODE]: zc.BROTLI_MODE_TEXT,
      },
    });
    if (gz.length < data.length) writeFileSync(`${path}.gz`, gz);
    if (br.length < data.length) writeFileSync(`${path}.br`, br);
  }
}

async function main() {
  for (const need of [join(WEB, 'index.html'), join(WEB, 'js', 'app.js'), join(WEB, 'css', 'app.css'),
    join(LEAFLET_DIST, 'leaflet-src.esm.js')]) {
    if (!existsSync(need)) fail(`${need} is missing${need.includes('node_modules') ? ' (npm ci installs it)' : ''}`);
  }
  rmSync(TMP, { recursive: true, force: true });
  mkdirSync(TMP, { recursive: true });
  try {
    const leafletCss = await leafletAssets();
    const leafletJs = await leafletScript();
    const names = await bundle(leafletCss, leafletJs);
    writeIndex(names);
    copyFileSync(join(WEB, 'icon.svg'), join(TMP, 'icon.svg'));
    compressAll(TMP);
  } catch (e) {
    rmSync(TMP, { recursive: true, force: true });
    fail(e.message);
  }
  // swap in the new build
  if (existsSync(OUT)) renameSync(OUT, OLD);
  renameSync(TMP, OUT);
  rmSync(OLD, { recursive: true, force: true });
  let total = 0;
  const walk = (d) => readdirSync(d, { withFileTypes: true }).forEach((e) => {
    if (e.isDirectory()) walk(join(d, e.name));
    else if (!/\.(gz|br)$/.test(e.name)) total += statSync(join(d, e.name)).size;
  });
  walk(OUT);
  process.stdout.write(`  WEB ${relative(ROOT, OUT) || OUT} (${(total / 1024).toFixed(0)} KiB before compression)\n`);
}

main();
