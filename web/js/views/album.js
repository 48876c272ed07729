// #/album[?q=words&sort=taken|uploaded&limit=N] — the user's photos as an edge-to-edge
// justified grid (rows of equal height, every photo in its own aspect ratio), grouped
// by day under sticky headers, newest first in the chosen order (the API pages by it:
// GET /api/photos?sort=taken|uploaded); captions show on hover and focus.
// Pages load as the end of the grid comes into view (and by the "more" button).
// Selection: a checkbox on each tile (shown on hover and focus, always once something
// is selected or on a touch screen); shift-click (or Shift+Space) selects a range; while
// anything is selected a click on a tile toggles it. The selection bar counts, adds a
// tag to every selected photo, or deletes them all after one confirmation.
import { api } from '../api.js';
import { h, field, errorBox, showError, replace } from '../dom.js';
import { formatDay, formatTaken, formatInstant, parseWallClock, photoDay, photoTitle, splitTags } from '../format.js';
import { aspectOf, tileSources, rowHeightOf, ROW_HEIGHT } from '../tiles.js';
import {
  photoHash, rememberAlbum, lastViewed, confirmDialog, textDialog, eachLimited,
} from './common.js';

const PAGE_SIZE = 48;
const PAGE_SIZE_MAX = 100;
const BULK_WIDTH = 4;     // requests at once for a bulk change
const TAG_MAX = 400;      // a photo's tags are one string of at most 400 characters

// The page size: ?limit= in the hash (1..100), else PAGE_SIZE.
function pageSize(query) {
  const n = Number(query.get('limit'));
  return Number.isInteger(n) && n >= 1 && n <= PAGE_SIZE_MAX ? n : PAGE_SIZE;
}

// Photos in the API's order (it pages by `by`, newest first) grouped by day: [{day,
// photos}] in that order. The day is the taken day, or with by 'uploaded' the upload day
// in the viewer's zone; sorted by taken date, photos without one (the API sends them
// last) are grouped under '' ("Date unknown"). A day met again later (a photo uploaded
// between pages) joins its group instead of repeating the header.
export function groupByDay(photos, by = 'taken') {
  const groups = [];
  const byDay = new Map();
  for (const p of photos) {
    const day = by === 'taken' && !parseWallClock(p.taken_date) ? '' : photoDay(p, by);
    const group = byDay.get(day);
    if (group) {
      group.photos.push(p);
    } else {
      const g = { day, photos: [p] };
      byDay.set(day, g);
      groups.push(g);
    }
  }
  return groups;
}

export { aspectOf, tileSources };

// The first tiles are fetched at once, the first few first (they are on screen as the
// album opens: waiting for lazy loading's layout pass costs the first photo time).
const EAGER_TILES = 12;
const HIGH_PRIORITY_TILES = 4;

function tile(photo, by, isSelected, rowHeight, index) {
  const title = photoTitle(photo);
  const sources = tileSources(photo, rowHeight);
  const ar = aspectOf(photo);
  const when = by === 'taken' && photo.taken_date ? formatTaken(photo.taken_date) : formatInstant(photo.upload_date);
  const id = String(photo.id);
  const box = h('input', {
    type: 'checkbox', class: 'card-check', 'aria-label': `Select ${title}`, checked: isSelected, dataset: { photoId: id },
  });
  const li = h('li', { class: isSelected ? 'card selected' : 'card', dataset: { photoId: id } },
    h('a', { class: 'card-link', href: photoHash(photo.id) },
      sources
        ? h('img', {
          class: 'thumb', src: sources.src, srcset: sources.srcset, sizes: sources.sizes, alt: title,
          loading: index < EAGER_TILES ? 'eager' : 'lazy',
          fetchpriority: index < HIGH_PRIORITY_TILES ? 'high' : 'auto',
          decoding: 'async',
        })
        : h('span', { class: 'thumb thumb-missing' }, 'No preview'),
      h('span', { class: 'card-caption', 'aria-hidden': 'true' },
        h('span', { class: 'card-title' }, title),
        when ? h('span', { class: 'card-date' }, when) : null)),
    h('label', { class: 'card-select' }, box, h('span', { class: 'card-tick', 'aria-hidden': 'true' })));
  // Justified rows: each tile grows in proportion to its aspect ratio from a basis of
  // that ratio times the row height (set through the CSSOM, which the CSP allows).
  li.style.flexGrow = String(ar);
  li.style.flexBasis = `calc(${ar.toFixed(4)} * var(--row-h, ${ROW_HEIGHT}px))`;
  li.style.aspectRatio = String(ar);
  return li;
}

// Grey placeholder tiles while the first page loads.
function skeleton() {
  const ratios = [1.5, 0.75, 1.33, 1.5, 1, 1.5, 0.67, 1.78];
  return h('div', { class: 'album-loading', 'aria-hidden': 'true' },
    h('div', { class: 'day-head skeleton-text' }),
    h('ul', { class: 'grid' }, ratios.map((ar) => {
      const li = h('li', { class: 'card skeleton' });
      li.style.flexGrow = String(ar);
      li.style.flexBasis = `calc(${ar} * var(--row-h, ${ROW_HEIGHT}px))`;
      li.style.aspectRatio = String(ar);
      return li;
    })));
}

export async function render(main, ctx) {
  const q = (ctx.query.get('q') || '').trim();
  const by = ctx.query.get('sort') === 'uploaded' ? 'uploaded' : 'taken';
  const limit = pageSize(ctx.query);
  const albumHash = (params) => {
    const u = new URLSearchParams();
    if (params.q) u.set('q', params.q);
    if (params.sort === 'uploaded') u.set('sort', 'uploaded');
    if (ctx.query.get('limit')) u.set('limit', ctx.query.get('limit'));
    const s = u.toString();
    return s ? `#/album?${s}` : '#/album';
  };

  const search = h('input', { type: 'search', name: 'q', value: q, placeholder: 'beach, Seoul, IMG_2041…', maxlength: 200 });
  const searchForm = h('form', { class: 'search', role: 'search' },
    field('Search tags, descriptions, places and file names', search),
    h('button', { type: 'submit', class: 'button' }, 'Search'),
    q ? h('a', { class: 'button secondary', href: albumHash({ sort: by }) }, 'Clear') : null);
  searchForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    ctx.navigate(albumHash({ q: search.value.trim(), sort: by }));
  });
  const sortSelect = h('select', { name: 'sort', id: 'album-sort' },
    h('option', { value: 'taken', selected: by === 'taken' }, 'Date taken'),
    h('option', { value: 'uploaded', selected: by === 'uploaded' }, 'Date uploaded'));
  sortSelect.value = by;
  sortSelect.addEventListener('change', () => ctx.navigate(albumHash({ q, sort: sortSelect.value })));

  const days = h('div', { class: 'days', 'aria-label': 'Photos', role: 'region' });
  const status = h('p', { class: 'status', role: 'status' }, 'Loading photos…');
  const error = errorBox();
  const more = h('button', { type: 'button', class: 'button secondary', hidden: true }, 'Show more photos');
  const sentinel = h('div', { class: 'sentinel', 'aria-hidden': 'true' });
  const loading = skeleton();
  let cursor = null;
  let photos = [];
  let loadingNow = false;
  let total = null;         // the API's count of all the user's photos (null: not known)

  // --- selection ---
  const selected = new Set();   // photo ids (strings)
  let order = [];               // ids in album order, for ranges
  let anchor = null;            // the last id clicked, where a shift range starts
  let shiftHeld = false;        // for Shift+Space on a checkbox (its click carries no shiftKey)
  const countText = h('span', { class: 'select-count', role: 'status' });
  const tagBtn = h('button', { type: 'button', class: 'button secondary' }, 'Add tag');
  const deleteBtn = h('button', { type: 'button', class: 'button danger' }, 'Delete');
  const clearBtn = h('button', { type: 'button', class: 'button secondary', 'aria-label': 'Clear selection' }, 'Clear');
  const selectBar = h('div', { class: 'select-bar', role: 'region', 'aria-label': 'Selection', hidden: true },
    countText, h('div', { class: 'select-actions' }, tagBtn, deleteBtn, clearBtn));

  function updateBar() {
    const n = selected.size;
    selectBar.hidden = n === 0;
    days.classList.toggle('selecting', n > 0);
    countText.textContent = n ? `${n} selected` : '';
    for (const li of days.querySelectorAll('li.card')) {
      const on = selected.has(li.dataset.photoId);
      li.classList.toggle('selected', on);
      const box = li.querySelector('input.card-check');
      if (box) box.checked = on;
    }
  }

  // Sets id (and with range, every photo between the anchor and id) to `on`.
  function choose(id, on, range) {
    const from = range && anchor !== null ? order.indexOf(anchor) : -1;
    const to = order.indexOf(id);
    if (from >= 0 && to >= 0) {
      const [a, b] = from < to ? [from, to] : [to, from];
      for (let i = a; i <= b; i++) {
        if (on) selected.add(order[i]);
        else selected.delete(order[i]);
      }
    } else if (on) {
      selected.add(id);
    } else {
      selected.delete(id);
    }
    anchor = id;
    updateBar();
  }

  function clearSelection() {
    selected.clear();
    anchor = null;
    updateBar();
  }

  function draw() {
    const groups = groupByDay(photos, by);
    const rowH = rowHeightOf(days);
    let index = 0;
    replace(days, groups.map((g) => h('section', { class: 'day', 'aria-label': formatDay(g.day) },
      h('h2', { class: 'day-head' }, formatDay(g.day),
        h('span', { class: 'day-count' }, ` · ${g.photos.length} photo${g.photos.length === 1 ? '' : 's'}`)),
      h('ul', { class: 'grid' }, g.photos.map((p) => tile(p, by, selected.has(String(p.id)), rowH, index++))))));
    order = groups.flatMap((g) => g.photos.map((p) => String(p.id)));
    // The order the viewer's next/previous follow.
    rememberAlbum(order, location.hash || '#/album');
    for (const id of [...selected]) if (!order.includes(id)) selected.delete(id);
    updateBar();
  }

  async function loadPage() {
    if (loadingNow) return;
    loadingNow = true;
    showError(error, '');
    more.disabled = true;
    days.setAttribute('aria-busy', 'true');
    try {
      // the server pages in the chosen order (a new sort starts again from its first page)
      const page = await api.photos({ q: q || undefined, limit, sort: by, cursor: cursor || undefined });
      if (!ctx.isCurrent()) return;
      const got = Array.isArray(page && page.photos) ? page.photos : [];
      const firstNewId = got[0] ? String(got[0].id) : null;
      const hadAny = photos.length > 0;
      const seen = new Set(photos.map((p) => String(p.id)));
      photos = photos.concat(got.filter((p) => !seen.has(String(p.id))));
      cursor = page && page.next_cursor ? String(page.next_cursor) : null;
      loading.remove();
      draw();
      more.hidden = !cursor;
      if (page && Number.isInteger(page.total) && page.total >= 0) total = page.total;
      showStatus();
      // After "more", keyboard users continue at the first photo of the new page.
      if (hadAny && firstNewId && document.activeElement === more) {
        const a = days.querySelector(`li[data-photo-id="${CSS.escape(firstNewId)}"] a`);
        if (a) a.focus();
      } else if (!hadAny) {
        // Back from the viewer: the photo just seen, in view and focused.
        const back = lastViewed();
        const a = back && days.querySelector(`li[data-photo-id="${CSS.escape(back)}"] a`);
        if (a) {
          a.focus({ preventScroll: true });
          a.scrollIntoView({ block: 'center' });
        }
      }
    } catch (e) {
      if (ctx.isCurrent()) {
        loading.remove();
        status.textContent = '';
        showError(error, e.message);
      }
    } finally {
      loadingNow = false;
      more.disabled = false;
      days.removeAttribute('aria-busy');
    }
  }
  more.addEventListener('click', loadPage);

  // "N photos" (of the total when the API gives it), or the search's count so far.
  function showStatus() {
    const n = photos.length;
    const plural = (k) => `${k} photo${k === 1 ? '' : 's'}`;
    if (n === 0) {
      replace(status, q
        ? `No photos match “${q}”.`
        : h('span', null, 'No photos yet. ', h('a', { href: '#/upload' }, 'Upload some'), '.'));
    } else if (q) {
      status.textContent = `${plural(n)} match “${q}”${cursor ? ' so far' : ''}.`;
    } else if (total !== null && total > n) {
      status.textContent = `${plural(total)} · ${n} shown.`;
    } else if (total !== null) {
      status.textContent = `${plural(Math.max(total, n))}.`;
    } else {
      status.textContent = `${plural(n)}${cursor ? ' so far' : ''}.`;
    }
  }

  // Selection by checkbox (the click says whether Shift was held; by keyboard, shiftHeld).
  let clickShift = false;
  days.addEventListener('click', (ev) => {
    const box = ev.target.closest('input.card-check');
    if (box) {
      clickShift = ev.shiftKey || shiftHeld;
      return;
    }
    const link = ev.target.closest('a.card-link');
    if (!link || (selected.size === 0 && !ev.shiftKey) || ev.ctrlKey || ev.metaKey) return;
    // While selecting, a click on a photo selects it instead of opening it.
    ev.preventDefault();
    const id = link.closest('li.card').dataset.photoId;
    choose(id, !selected.has(id), ev.shiftKey && selected.size > 0);
  });
  days.addEventListener('change', (ev) => {
    const box = ev.target.closest('input.card-check');
    if (!box) return;
    choose(box.dataset.photoId, box.checked, clickShift || shiftHeld);
    clickShift = false;
  });
  const onKey = (ev) => {
    shiftHeld = ev.shiftKey;
    if (ev.type === 'keydown' && ev.key === 'Escape' && selected.size && !document.querySelector('dialog[open]')) {
      ev.preventDefault();
      clearSelection();
    }
  };
  window.addEventListener('keydown', onKey);
  window.addEventListener('keyup', onKey);
  clearBtn.addEventListener('click', () => {
    clearSelection();
    search.focus();
  });

  // A sentence for the outcome of a bulk change: "3 photos deleted." / "2 of 3 …: why".
  function outcome(results, verb) {
    const done = results.filter((r) => r.ok).length;
    const failed = results.filter((r) => !r.ok);
    const plural = (k) => `${k} photo${k === 1 ? '' : 's'}`;
    if (!failed.length) return [`${plural(done)} ${verb}.`, 'success'];
    return [`${done} of ${plural(results.length)} ${verb}; ${failed.length} could not be: ${failed[0].error.message}`, 'error'];
  }

  deleteBtn.addEventListener('click', async () => {
    const ids = order.filter((id) => selected.has(id));
    if (!ids.length) return;
    const yes = await confirmDialog(ids.length === 1 ? 'Delete this photo?' : `Delete ${ids.length} photos?`,
      `The selected photo${ids.length === 1 ? '' : 's'} and ${ids.length === 1 ? 'its' : 'their'} files will be removed for good.`,
      'Delete');
    if (!yes || !ctx.isCurrent()) {
      deleteBtn.focus();
      return;
    }
    selectBar.setAttribute('aria-busy', 'true');
    deleteBtn.disabled = tagBtn.disabled = true;
    // A photo already gone (404) counts as deleted.
    const results = await eachLimited(ids, BULK_WIDTH, (id) => api.deletePhoto(id).catch((e) => {
      if (e.status === 404) return null;
      throw e;
    }));
    if (!ctx.isCurrent()) return;
    deleteBtn.disabled = tagBtn.disabled = false;
    selectBar.removeAttribute('aria-busy');
    const gone = new Set(results.filter((r) => r.ok).map((r) => r.item));
    photos = photos.filter((p) => !gone.has(String(p.id)));
    if (total !== null) total = Math.max(0, total - gone.size);
    for (const id of gone) selected.delete(id);
    draw();
    showStatus();
    ctx.flash(...outcome(results, 'deleted'));
    (selected.size ? deleteBtn : search).focus();
  });

  tagBtn.addEventListener('click', async () => {
    const ids = order.filter((id) => selected.has(id));
    if (!ids.length) return;
    const tag = await textDialog(`Add a tag to ${ids.length} photo${ids.length === 1 ? '' : 's'}`, 'Tag', 'Add tag',
      (v) => (v === '' ? 'Enter a tag.' : v.includes(',') ? 'One tag at a time: no commas.' : ''));
    if (tag === null || !ctx.isCurrent()) {
      tagBtn.focus();
      return;
    }
    selectBar.setAttribute('aria-busy', 'true');
    deleteBtn.disabled = tagBtn.disabled = true;
    const byId = new Map(photos.map((p) => [String(p.id), p]));
    const results = await eachLimited(ids, BULK_WIDTH, async (id) => {
      // The photo as it is now (another tab may have changed its tags), then its tags plus one.
      const now = await api.photo(id);
      const tags = splitTags(now.tags);
      if (tags.some((t) => t.toLowerCase() === tag.toLowerCase())) return now;
      const joined = tags.concat(tag).join(',');
      if (joined.length > TAG_MAX) throw new Error(`${photoTitle(now)} has too many tags to add “${tag}”.`);
      const updated = await api.updatePhoto(id, { tags: joined });
      return updated && updated.id !== undefined ? updated : { ...now, tags: joined };
    });
    if (!ctx.isCurrent()) return;
    deleteBtn.disabled = tagBtn.disabled = false;
    selectBar.removeAttribute('aria-busy');
    for (const r of results) if (r.ok && r.value) byId.set(r.item, { ...byId.get(r.item), ...r.value });
    photos = photos.map((p) => byId.get(String(p.id)) || p);
    draw();
    ctx.flash(...outcome(results, `tagged “${tag}”`));
    tagBtn.focus();
  });

  main.classList.add('wide');
  main.append(h('section', { class: 'album' },
    h('div', { class: 'album-bar' },
      h('div', { class: 'page-head' },
        h('h1', null, q ? 'Search results' : 'Your album'),
        h('div', { class: 'album-tools' },
          h('label', { for: 'album-sort', class: 'sort-label' }, 'Sort by'), sortSelect,
          h('a', { class: 'button', href: '#/upload' }, 'Upload photos'))),
      searchForm,
      status,
      error),
    selectBar,
    loading,
    days,
    h('div', { class: 'more' }, more),
    sentinel));

  // Infinite scroll: the next page loads when the end of the grid comes near. Not when
  // ?limit= is given (a page size chosen by hand pages by the button).
  let observer = null;
  if (!ctx.query.get('limit') && 'IntersectionObserver' in window) {
    observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting) && cursor && !loadingNow) loadPage();
    }, { rootMargin: '800px 0px' });
    observer.observe(sentinel);
  }
  await loadPage();
  return () => {
    window.removeEventListener('keydown', onKey);
    window.removeEventListener('keyup', onKey);
    if (observer) observer.disconnect();
    main.classList.remove('wide');
  };
}
