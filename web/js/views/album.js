// #/album[?q=words&sort=taken|uploaded&limit=N] — the user's photos as an edge-to-edge
// justified grid (rows of equal height, every photo in its own aspect ratio), grouped
// by day under sticky headers, newest first; captions show on hover and focus.
// Pages load as the end of the grid comes into view (and by the "more" button).
import { api } from '../api.js';
import { h, field, errorBox, showError, replace } from '../dom.js';
import { formatDay, formatTaken, formatInstant, photoDay, photoTime, photoTitle } from '../format.js';
import { safeUrl, photoHash, rememberAlbum, lastViewed } from './common.js';

const PAGE_SIZE = 48;
const PAGE_SIZE_MAX = 100;
const ROW_HEIGHT = 200;   // the grid's target row height in CSS pixels (phones: CSS scales it)

// The page size: ?limit= in the hash (1..100), else PAGE_SIZE.
function pageSize(query) {
  const n = Number(query.get('limit'));
  return Number.isInteger(n) && n >= 1 && n <= PAGE_SIZE_MAX ? n : PAGE_SIZE;
}

// width / height of a photo, from the API's numeric strings; 3:2 when unknown.
export function aspectOf(photo) {
  const w = Number(photo && photo.width);
  const hgt = Number(photo && photo.height);
  if (!Number.isFinite(w) || !Number.isFinite(hgt) || w <= 0 || hgt <= 0) return 1.5;
  return Math.min(Math.max(w / hgt, 0.25), 4);
}

// Photos in album order (newest first by `by`; ties: the API's order) grouped by day:
// [{day, photos}], newest day first.
export function groupByDay(photos, by = 'taken') {
  const ordered = photos.map((p, i) => ({ p, i, t: photoTime(p, by) }))
    .sort((a, b) => (b.t - a.t) || (a.i - b.i))
    .map((x) => x.p);
  const groups = [];
  for (const p of ordered) {
    const day = photoDay(p, by);
    const last = groups[groups.length - 1];
    if (last && last.day === day) last.photos.push(p);
    else groups.push({ day, photos: [p] });
  }
  return groups;
}

function tile(photo, by) {
  const title = photoTitle(photo);
  const thumb = safeUrl(photo.thumb_url);
  const ar = aspectOf(photo);
  const when = by === 'taken' && photo.taken_date ? formatTaken(photo.taken_date) : formatInstant(photo.upload_date);
  const li = h('li', { class: 'card', dataset: { photoId: String(photo.id) } },
    h('a', { class: 'card-link', href: photoHash(photo.id) },
      thumb
        ? h('img', { class: 'thumb', src: thumb, alt: title, loading: 'lazy', decoding: 'async' })
        : h('span', { class: 'thumb thumb-missing' }, 'No preview'),
      h('span', { class: 'card-caption', 'aria-hidden': 'true' },
        h('span', { class: 'card-title' }, title),
        when ? h('span', { class: 'card-date' }, when) : null)));
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

  function draw() {
    const groups = groupByDay(photos, by);
    replace(days, groups.map((g) => h('section', { class: 'day', 'aria-label': formatDay(g.day) },
      h('h2', { class: 'day-head' }, formatDay(g.day),
        h('span', { class: 'day-count' }, ` · ${g.photos.length} photo${g.photos.length === 1 ? '' : 's'}`)),
      h('ul', { class: 'grid' }, g.photos.map((p) => tile(p, by))))));
    // The order the viewer's next/previous follow.
    rememberAlbum(groups.flatMap((g) => g.photos.map((p) => String(p.id))), location.hash || '#/album');
  }

  async function loadPage() {
    if (loadingNow) return;
    loadingNow = true;
    showError(error, '');
    more.disabled = true;
    days.setAttribute('aria-busy', 'true');
    try {
      const page = await api.photos({ q: q || undefined, limit, cursor: cursor || undefined });
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
      const n = photos.length;
      if (n === 0) {
        replace(status, q
          ? `No photos match “${q}”.`
          : h('span', null, 'No photos yet. ', h('a', { href: '#/upload' }, 'Upload some'), '.'));
      } else {
        const count = `${n} photo${n === 1 ? '' : 's'}`;
        status.textContent = q ? `${count} match “${q}”${cursor ? ' so far' : ''}.` : `${count}${cursor ? ' so far' : ''}.`;
      }
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
    if (observer) observer.disconnect();
    main.classList.remove('wide');
  };
}
