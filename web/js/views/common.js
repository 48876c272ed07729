// common.js — pieces several views share.
import { h } from '../dom.js';
import { splitTags } from '../format.js';

// The tags of a photo as a list of links that search the album for each tag.
export function tagList(tags, { links = true } = {}) {
  const list = splitTags(tags);
  if (!list.length) return null;
  return h('ul', { class: 'tags', 'aria-label': 'Tags' },
    list.map((tag) => h('li', null, links
      ? h('a', { class: 'tag', href: `#/album?q=${encodeURIComponent(tag)}` }, tag)
      : h('span', { class: 'tag' }, tag))));
}

export { safeUrl } from '../url.js';

export const photoHash = (id) => `#/photos/${encodeURIComponent(String(id))}`;
export const mapHash = (id) => `#/map/${encodeURIComponent(String(id))}`;

// The album's order, so that the viewer's next/previous follow what the album showed:
// photo ids in album order and the album address they came from. Kept for the tab's
// life in sessionStorage (a reload of a photo keeps its neighbours).
const ORDER_KEY = 'ca.album.order';
const VIEWED_KEY = 'ca.album.viewed';

function readSession(key) {
  try {
    return JSON.parse(sessionStorage.getItem(key) || 'null');
  } catch {
    return null;
  }
}

function writeSession(key, value) {
  try {
    sessionStorage.setItem(key, JSON.stringify(value));
  } catch {
    // storage full or refused: next/previous then only know the current page
  }
}

export function rememberAlbum(ids, hash) {
  writeSession(ORDER_KEY, { ids: ids.map(String), hash: String(hash || '#/album') });
}

// {ids, hash} of the album last shown, or null.
export function albumOrder() {
  const o = readSession(ORDER_KEY);
  return o && Array.isArray(o.ids) && typeof o.hash === 'string' ? o : null;
}

export function setLastViewed(id) {
  writeSession(VIEWED_KEY, String(id));
}

// The id of the photo the viewer showed last (the album focuses it), once.
export function lastViewed() {
  const id = readSession(VIEWED_KEY);
  try { sessionStorage.removeItem(VIEWED_KEY); } catch { /* nothing to forget */ }
  return typeof id === 'string' ? id : null;
}

let dialogCounter = 0;

// A modal question with Cancel (focused first) and confirmLabel: resolves true when confirmed.
export function confirmDialog(title, message, confirmLabel) {
  return new Promise((resolve) => {
    const titleId = `dialog${++dialogCounter}-title`;
    const cancel = h('button', { type: 'button', class: 'button secondary', value: 'cancel' }, 'Cancel');
    const ok = h('button', { type: 'button', class: 'button danger', value: 'ok' }, confirmLabel);
    const dialog = h('dialog', { class: 'dialog', 'aria-labelledby': titleId },
      h('h2', { id: titleId }, title),
      h('p', null, message),
      h('div', { class: 'actions' }, cancel, ok));
    let answer = false;
    cancel.addEventListener('click', () => dialog.close());
    ok.addEventListener('click', () => { answer = true; dialog.close(); });
    dialog.addEventListener('close', () => { dialog.remove(); resolve(answer); });
    document.body.append(dialog);
    dialog.showModal();
    cancel.focus();
  });
}

// A modal asking for one line of text: resolves the text (trimmed) or null when cancelled.
// check(text) returns an error sentence to show (the dialog stays open) or ''.
export function textDialog(title, label, confirmLabel, check = () => '') {
  return new Promise((resolve) => {
    const n = ++dialogCounter;
    const input = h('input', { type: 'text', name: 'value', maxlength: 400, autocomplete: 'off', id: `dialog${n}-input` });
    const problem = h('p', { class: 'field-error', id: `dialog${n}-error`, hidden: true });
    const cancel = h('button', { type: 'button', class: 'button secondary' }, 'Cancel');
    const ok = h('button', { type: 'submit', class: 'button' }, confirmLabel);
    const form = h('form', { method: 'dialog', class: 'stack', novalidate: true },
      h('h2', { id: `dialog${n}-title` }, title),
      h('div', { class: 'field' }, h('label', { for: input.id }, label), input, problem),
      h('div', { class: 'actions' }, cancel, ok));
    const dialog = h('dialog', { class: 'dialog', 'aria-labelledby': `dialog${n}-title` }, form);
    let answer = null;
    cancel.addEventListener('click', () => dialog.close());
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const value = input.value.trim();
      const why = check(value);
      problem.textContent = why;
      problem.hidden = !why;
      if (why) {
        input.setAttribute('aria-invalid', 'true');
        input.setAttribute('aria-describedby', problem.id);
        input.focus();
        return;
      }
      answer = value;
      dialog.close();
    });
    dialog.addEventListener('close', () => { dialog.remove(); resolve(answer); });
    document.body.append(dialog);
    dialog.showModal();
    input.focus();
  });
}

// Runs work(item) for every item, at most `width` at a time; resolves to
// [{item, ok, value | error}] in the items' order.
export async function eachLimited(items, width, work) {
  const results = new Array(items.length);
  let next = 0;
  async function lane() {
    while (next < items.length) {
      const i = next++;
      try {
        results[i] = { item: items[i], ok: true, value: await work(items[i]) };
      } catch (error) {
        results[i] = { item: items[i], ok: false, error };
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, lane));
  return results;
}
