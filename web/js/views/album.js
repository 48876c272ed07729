// #/album[?q=words] — the user's photos, newest first, with paging and search.
import { api } from '../api.js';
import { h, field, errorBox, showError, replace } from '../dom.js';
import { formatDate, photoTitle } from '../format.js';
import { tagList, safeUrl, photoHash } from './common.js';

const PAGE_SIZE = 24;
const PAGE_SIZE_MAX = 100;

// The page size: ?limit= in the hash (1..100), else PAGE_SIZE.
function pageSize(query) {
  const n = Number(query.get('limit'));
  return Number.isInteger(n) && n >= 1 && n <= PAGE_SIZE_MAX ? n : PAGE_SIZE;
}

function card(photo) {
  const title = photoTitle(photo);
  const thumb = safeUrl(photo.thumb_url);
  return h('li', { class: 'card', dataset: { photoId: String(photo.id) } },
    h('a', { class: 'card-link', href: photoHash(photo.id) },
      thumb
        ? h('img', { class: 'thumb', src: thumb, alt: title, loading: 'lazy', width: 300, height: 200 })
        : h('span', { class: 'thumb thumb-missing' }, 'No preview'),
      h('span', { class: 'card-title' }, title)),
    h('div', { class: 'card-meta' },
      tagList(photo.tags),
      h('span', { class: 'card-date' }, formatDate(photo.taken_date || photo.upload_date))));
}

export async function render(main, ctx) {
  const q = (ctx.query.get('q') || '').trim();
  const limit = pageSize(ctx.query);
  const search = h('input', { type: 'search', name: 'q', value: q, placeholder: 'beach, birthday…', maxlength: 200 });
  const searchForm = h('form', { class: 'search', role: 'search' },
    field('Search tags and descriptions', search),
    h('button', { type: 'submit', class: 'button' }, 'Search'),
    q ? h('a', { class: 'button secondary', href: '#/album' }, 'Clear') : null);
  searchForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const words = search.value.trim();
    ctx.navigate(words ? `#/album?q=${encodeURIComponent(words)}` : '#/album');
  });

  const grid = h('ul', { class: 'grid', 'aria-label': 'Photos' });
  const status = h('p', { class: 'status', role: 'status' });
  const error = errorBox();
  const more = h('button', { type: 'button', class: 'button secondary', hidden: true }, 'Show more photos');
  let cursor = null;
  let shown = 0;

  async function loadPage() {
    showError(error, '');
    more.disabled = true;
    try {
      const page = await api.photos({ q: q || undefined, limit, cursor: cursor || undefined });
      if (!ctx.isCurrent()) return;
      const photos = Array.isArray(page && page.photos) ? page.photos : [];
      const firstNew = grid.children.length;
      grid.append(...photos.map(card));
      shown += photos.length;
      cursor = page && page.next_cursor ? String(page.next_cursor) : null;
      more.hidden = !cursor;
      if (shown === 0) {
        replace(status, q
          ? `No photos match “${q}”.`
          : h('span', null, 'No photos yet. ', h('a', { href: '#/upload' }, 'Upload some'), '.'));
      } else {
        status.textContent = q
          ? `${shown} photo${shown === 1 ? '' : 's'} match “${q}”${cursor ? ' so far' : ''}.`
          : `${shown} photo${shown === 1 ? '' : 's'}${cursor ? ' so far' : ''}.`;
      }
      // After "more", move focus to the first new photo so keyboard users continue there.
      if (firstNew > 0 && grid.children[firstNew]) grid.children[firstNew].querySelector('a').focus();
    } catch (e) {
      if (ctx.isCurrent()) showError(error, e.message);
    } finally {
      more.disabled = false;
    }
  }
  more.addEventListener('click', loadPage);

  main.append(h('section', { class: 'album' },
    h('div', { class: 'page-head' },
      h('h1', null, q ? 'Search results' : 'Your album'),
      h('a', { class: 'button', href: '#/upload' }, 'Upload photos')),
    searchForm,
    status,
    error,
    grid,
    h('div', { class: 'more' }, more)));
  await loadPage();
}
