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

// A same-origin or http(s) URL from the server, or '' (so that a "javascript:"
// URL can never reach an href or src).
export function safeUrl(url) {
  if (typeof url !== 'string' || url === '') return '';
  try {
    const u = new URL(url, location.href);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : '';
  } catch {
    return '';
  }
}

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
