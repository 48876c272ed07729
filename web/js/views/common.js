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
