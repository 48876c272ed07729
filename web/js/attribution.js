// attribution.js — the tile attribution from /api/config shown safely. It may
// hold simple HTML (OpenStreetMap's is `&copy; <a href="...">OpenStreetMap</a>
// contributors`). It is never parsed as HTML: a small scanner keeps the text
// (with the common entities decoded) and <a href> links to http(s) URLs,
// rebuilt as new elements; every other tag is dropped.

const ENTITIES = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0', copy: '©', reg: '®', middot: '·', ndash: '–', mdash: '—' };

export function decodeEntities(s) {
  return s.replace(/&(#x[0-9a-f]{1,6}|#[0-9]{1,7}|[a-z]{2,8});/gi, (m, name) => {
    let code = null;
    if (name[0] === '#') code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
    if (code !== null) return code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff) ? String.fromCodePoint(code) : '';
    const lower = name.toLowerCase();
    return Object.hasOwn(ENTITIES, lower) ? ENTITIES[lower] : m;
  });
}

function httpUrl(raw) {
  try {
    const u = new URL(decodeEntities(raw), location.href);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : null;
  } catch {
    return null;
  }
}

// Splits html into [{text, href}] runs: href is the enclosing link's URL or null.
export function attributionRuns(html) {
  const runs = [];
  if (typeof html !== 'string') return runs;
  const tag = /<\s*(\/?)\s*([a-z][a-z0-9]*)\b([^>]*)>/gi;
  let href = null;
  let last = 0;
  const pushText = (raw) => {
    // A stray '<' or '>' that was not a tag is just text.
    const text = decodeEntities(raw);
    if (text) runs.push({ text, href });
  };
  for (let m = tag.exec(html); m; m = tag.exec(html)) {
    pushText(html.slice(last, m.index));
    last = tag.lastIndex;
    const closing = m[1] === '/';
    if (m[2].toLowerCase() !== 'a') continue;
    if (closing) {
      href = null;
    } else {
      const attr = /\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))/i.exec(m[3]);
      href = attr ? httpUrl(attr[1] ?? attr[2] ?? attr[3]) : null;
    }
  }
  pushText(html.slice(last));
  return runs;
}

// A DocumentFragment of text nodes and links for html.
export function attributionFragment(html) {
  const out = document.createDocumentFragment();
  for (const run of attributionRuns(html)) {
    if (run.href) {
      const a = document.createElement('a');
      a.href = run.href;
      a.target = '_blank';
      a.rel = 'noopener noreferrer';
      a.textContent = run.text;
      out.append(a);
    } else {
      out.append(document.createTextNode(run.text));
    }
  }
  return out;
}
