// #/photos/<id> — the full-bleed viewer: the photo over a dark backdrop, next and
// previous in album order (buttons, arrow keys, a swipe on a touch screen), zoom,
// download of the original, and on demand an info panel (when and where it was taken,
// camera, file) from which the edit form (tags, description, location) and deletion open.
import { api } from '../api.js';
import { h, field, errorBox, showError, busy, replace, showFieldErrors } from '../dom.js';
import {
  formatBytes, formatInstant, formatTaken, formatCoord, photoTitle, joinTags, splitTags, toLatLng,
} from '../format.js';
import {
  tagList, safeUrl, mapHash, photoHash, albumOrder, rememberAlbum, setLastViewed, confirmDialog,
} from './common.js';
import { groupByDay } from './album.js';
import { miniMap } from './map.js';

const INFO_KEY = 'ca.viewer.info';   // sessionStorage: the info panel stays open from photo to photo
const SWIPE_MIN = 50;                // px of horizontal travel that counts as a swipe

function text(v) {
  if (v === null || v === undefined) return '';
  return String(v).trim();
}

// [label, value] rows; empty values are left out.
function metadataRows(p) {
  const camera = [text(p.make), text(p.model)].filter(Boolean).join(' ');
  const size = text(p.width) && text(p.height) && text(p.width) !== '0' ? `${text(p.width)} × ${text(p.height)} px` : '';
  return [
    ['Taken', formatTaken(p.taken_date)],
    ['Uploaded', formatInstant(p.upload_date)],
    ['Camera', camera],
    ['Size', size],
    ['File', [text(p.filename_orig), formatBytes(p.filesize)].filter(Boolean).join(', ')],
    ['Address', text(p.address)],
    ['City', text(p.city)],
    ['Country', text(p.nation)],
    ['Coordinates', formatCoord(p.geotag_lat, p.geotag_lng)],
  ].filter(([, v]) => v);
}

function metadataList(p) {
  const rows = metadataRows(p);
  return h('dl', { class: 'meta' }, rows.map(([k, v]) => h('div', { class: 'meta-row', dataset: { field: k.toLowerCase() } },
    h('dt', null, k), h('dd', null, v))));
}

// The album order around id: {prev, next, back} (ids or null, the album address).
// Without a remembered order (a deep link in a new tab) the album's first page in its
// default order (date taken, as the server pages it) gives one.
async function neighbours(id) {
  let order = albumOrder();
  if (!order || !order.ids.includes(String(id))) {
    try {
      const page = await api.photos({ limit: 100, sort: 'taken' });
      const photos = Array.isArray(page && page.photos) ? page.photos : [];
      const ids = groupByDay(photos, 'taken').flatMap((g) => g.photos.map((p) => String(p.id)));
      order = { ids, hash: order ? order.hash : '#/album' };
      if (ids.includes(String(id))) rememberAlbum(ids, order.hash);
    } catch {
      order = { ids: [], hash: '#/album' };
    }
  }
  const i = order.ids.indexOf(String(id));
  return {
    prev: i > 0 ? order.ids[i - 1] : null,
    next: i >= 0 && i < order.ids.length - 1 ? order.ids[i + 1] : null,
    back: order.hash,
  };
}

function infoWanted() {
  try { return sessionStorage.getItem(INFO_KEY) === 'open'; } catch { return false; }
}

function setInfoWanted(open) {
  try { sessionStorage.setItem(INFO_KEY, open ? 'open' : 'closed'); } catch { /* not kept */ }
}

export async function render(main, ctx) {
  const id = ctx.params.id;
  document.body.classList.add('viewing');
  const leave = () => document.body.classList.remove('viewing');

  // The shell shows at once; the photo fills it when the API answers.
  const heading = h('h1', { class: 'photo-title' }, 'Loading photo…');
  const close = h('a', { class: 'viewer-button viewer-close', href: '#/album' },
    h('span', { 'aria-hidden': 'true' }, '←'), ' Album');
  const stage = h('div', { class: 'viewer-stage' },
    h('p', { class: 'viewer-loading', role: 'status' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), 'Loading photo…'));
  const bar = h('div', { class: 'viewer-bar' }, close, heading);
  const viewer = h('section', { class: 'viewer', 'aria-labelledby': 'viewer-title', 'aria-busy': 'true' }, bar, stage);
  heading.id = 'viewer-title';
  main.append(viewer);

  let photo;
  let around;
  try {
    [photo, around] = await Promise.all([api.photo(id), neighbours(id)]);
  } catch (e) {
    leave();
    throw e;
  }
  if (!ctx.isCurrent()) {
    leave();
    return undefined;
  }
  setLastViewed(id);
  close.setAttribute('href', around.back);
  viewer.removeAttribute('aria-busy');

  const original = safeUrl(photo.original_url);
  const img = original
    ? h('img', { class: 'original', src: original, alt: photoTitle(photo), draggable: 'false' })
    : h('p', { class: 'thumb-missing' }, 'The original is not available.');
  const prev = around.prev
    ? h('a', { class: 'viewer-nav viewer-prev', href: photoHash(around.prev), 'aria-label': 'Previous photo', rel: 'prev' },
      h('span', { 'aria-hidden': 'true' }, '‹'))
    : null;
  const next = around.next
    ? h('a', { class: 'viewer-nav viewer-next', href: photoHash(around.next), 'aria-label': 'Next photo', rel: 'next' },
      h('span', { 'aria-hidden': 'true' }, '›'))
    : null;
  const zoom = h('button', { type: 'button', class: 'viewer-button', 'aria-pressed': 'false' }, 'Zoom');
  const download = original
    ? h('a', { class: 'viewer-button', href: original, download: text(photo.filename_orig) || 'photo.jpg' }, 'Download')
    : null;
  const infoBtn = h('button', { type: 'button', class: 'viewer-button', 'aria-expanded': 'false', 'aria-controls': 'photo-info' }, 'Info');
  replace(stage, img, prev, next);
  bar.append(h('div', { class: 'viewer-actions' }, original ? zoom : null, download, infoBtn));

  // The info panel.
  const tagsView = h('div', { class: 'photo-tags' });
  const metaView = h('div');
  // The mini-map of where the photo was taken: made when the panel shows a photo with a
  // place (Leaflet is loaded then, not before), remade when the place changes.
  const mapView = h('div', { class: 'mini-map-box' });
  let mapShown = '';          // "lat,lng" on the map now
  let removeMap = null;
  function dropMap() {
    if (removeMap) removeMap();
    removeMap = null;
    mapShown = '';
    replace(mapView);
  }
  async function updateMiniMap() {
    const where = toLatLng(photo.geotag_lat, photo.geotag_lng);
    const key = where && !panel.hidden ? where.join(',') : '';
    if (key === mapShown) return;
    dropMap();
    if (!key) return;
    mapShown = key;
    const el = h('div', { class: 'mini-map', role: 'region', 'aria-label': 'Map of where the photo was taken' });
    mapView.append(el);
    try {
      const remove = await miniMap(el, where[0], where[1], ctx.config, photoTitle(photo));
      if (mapShown === key && el.isConnected) removeMap = remove;
      else remove();
    } catch {
      if (mapShown === key) replace(mapView, h('p', { class: 'tile-note mini-note' }, 'The map could not be loaded.'));
    }
  }
  const actions = h('p', { class: 'actions' });
  const editBtn = h('button', { type: 'button', class: 'button secondary', 'aria-expanded': 'false', 'aria-controls': 'edit-form' }, 'Edit');
  const deleteBtn = h('button', { type: 'button', class: 'button danger' }, 'Delete photo');
  const panelTitle = h('h2', { class: 'info-title' }, photoTitle(photo));

  function show() {
    heading.textContent = photoTitle(photo);
    panelTitle.textContent = photoTitle(photo);
    document.title = `${photoTitle(photo)} · CloudAlbum`;
    if (img.tagName === 'IMG') img.alt = photoTitle(photo);
    replace(tagsView, tagList(photo.tags));
    replace(metaView, metadataList(photo));
    const where = toLatLng(photo.geotag_lat, photo.geotag_lng);
    replace(actions, editBtn,
      where ? h('a', { class: 'button secondary', href: mapHash(photo.id) }, 'Show on map') : null,
      deleteBtn);
    updateMiniMap();
  }

  // The edit form, opened from the panel.
  const tags = h('input', { type: 'text', name: 'tags', maxlength: 400, value: splitTags(photo.tags).join(', ') });
  const desc = h('textarea', { name: 'desc', rows: 3, maxlength: 400, value: text(photo.desc) });
  const ll = toLatLng(photo.geotag_lat, photo.geotag_lng);
  const lat = h('input', { type: 'number', name: 'lat', step: 'any', min: -90, max: 90, inputmode: 'decimal', value: ll ? ll[0] : '' });
  const lng = h('input', { type: 'number', name: 'lng', step: 'any', min: -180, max: 180, inputmode: 'decimal', value: ll ? ll[1] : '' });
  const error = errorBox();
  const form = h('form', { class: 'stack edit-form', id: 'edit-form', novalidate: true, 'aria-labelledby': 'edit-title', hidden: true },
    h('h3', { id: 'edit-title' }, 'Edit'),
    field('Tags', tags, 'Separate tags with commas.'),
    field('Description', desc),
    h('fieldset', { class: 'latlng' },
      h('legend', null, 'Location'),
      field('Latitude', lat),
      field('Longitude', lng)),
    error,
    h('button', { type: 'submit', class: 'button' }, 'Save changes'));

  const panel = h('aside', { class: 'viewer-info', id: 'photo-info', 'aria-label': 'Photo information', hidden: true },
    h('div', { class: 'info-head' }, panelTitle,
      h('button', { type: 'button', class: 'viewer-button info-close', on: { click: () => setInfo(false) } },
        'Close', h('span', { class: 'visually-hidden' }, ' information'))),
    tagsView, metaView, mapView, actions, form);
  viewer.append(panel);

  function setInfo(open, focus = true) {
    panel.hidden = !open;
    viewer.classList.toggle('with-info', open);
    infoBtn.setAttribute('aria-expanded', String(open));
    setInfoWanted(open);
    updateMiniMap();
    if (focus) (open ? panelTitle : infoBtn).focus();
  }
  panelTitle.tabIndex = -1;
  infoBtn.addEventListener('click', () => setInfo(panel.hidden));

  function setEditing(open) {
    form.hidden = !open;
    editBtn.setAttribute('aria-expanded', String(open));
    if (open) tags.focus();
  }
  editBtn.addEventListener('click', () => setEditing(form.hidden));

  zoom.addEventListener('click', () => {
    const on = !stage.classList.contains('zoomed');
    stage.classList.toggle('zoomed', on);
    zoom.setAttribute('aria-pressed', String(on));
  });

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    showError(error, '');
    const changes = { tags: joinTags(tags.value), desc: desc.value.trim() };
    const latText = lat.value.trim();
    const lngText = lng.value.trim();
    const before = toLatLng(photo.geotag_lat, photo.geotag_lng);
    if (latText === '' && lngText === '') {
      // Both emptied: the photo no longer has a location.
      if (before) {
        changes.geotag_lat = null;
        changes.geotag_lng = null;
      }
    } else {
      const la = Number(latText);
      const ln = Number(lngText);
      const problems = [];
      if (latText === '' || !Number.isFinite(la) || la < -90 || la > 90) {
        problems.push([lat, 'Enter a latitude from −90 to 90, or leave both empty.']);
      }
      if (lngText === '' || !Number.isFinite(ln) || ln < -180 || ln > 180) {
        problems.push([lng, 'Enter a longitude from −180 to 180, or leave both empty.']);
      }
      if (showFieldErrors(form, problems)) return;
      if (!before || before[0] !== la || before[1] !== ln) {
        changes.geotag_lat = la;
        changes.geotag_lng = ln;
      }
    }
    showFieldErrors(form, []);
    let failed = false;
    await busy(form, async () => {
      try {
        const updated = await api.updatePhoto(id, changes);
        photo = updated && typeof updated === 'object' && updated.id !== undefined ? updated : await api.photo(id);
        if (!ctx.isCurrent()) return;
        const saved = toLatLng(photo.geotag_lat, photo.geotag_lng);
        lat.value = saved ? saved[0] : '';
        lng.value = saved ? saved[1] : '';
        show();
        ctx.flash('Changes saved.', 'success');
      } catch (e) {
        showError(error, e.message);
        failed = true;
      }
    });
    if (failed && ctx.isCurrent()) tags.focus();
  });

  deleteBtn.addEventListener('click', async () => {
    const yes = await confirmDialog('Delete this photo?',
      `“${photoTitle(photo)}” and its files will be removed for good.`, 'Delete');
    if (!yes) {
      deleteBtn.focus();
      return;
    }
    deleteBtn.disabled = true;
    try {
      await api.deletePhoto(id);
      ctx.navigate(around.back, 'Photo deleted.');
    } catch (e) {
      deleteBtn.disabled = false;
      ctx.flash(e.message, 'error');
    }
  });

  // Keys: ← → for previous and next, Escape closes the panel, then the viewer.
  const typing = (el) => el && (el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName));
  const onKey = (ev) => {
    if (ev.altKey || ev.ctrlKey || ev.metaKey || typing(ev.target) || document.querySelector('dialog[open]')) return;
    if (ev.key === 'ArrowLeft' && around.prev) {
      ev.preventDefault();
      ctx.navigate(photoHash(around.prev));
    } else if (ev.key === 'ArrowRight' && around.next) {
      ev.preventDefault();
      ctx.navigate(photoHash(around.next));
    } else if (ev.key === 'Escape') {
      ev.preventDefault();
      if (!panel.hidden) setInfo(false);
      else ctx.navigate(around.back);
    }
  };
  window.addEventListener('keydown', onKey);

  // A horizontal swipe on the photo (touch or pen) goes to the next or previous one.
  let start = null;
  stage.addEventListener('pointerdown', (ev) => {
    if (ev.pointerType !== 'mouse') start = { x: ev.clientX, y: ev.clientY };
  });
  stage.addEventListener('pointerup', (ev) => {
    if (!start) return;
    const dx = ev.clientX - start.x;
    const dy = ev.clientY - start.y;
    start = null;
    if (Math.abs(dx) < SWIPE_MIN || Math.abs(dx) < Math.abs(dy) * 1.5 || stage.classList.contains('zoomed')) return;
    const to = dx < 0 ? around.next : around.prev;
    if (to) ctx.navigate(photoHash(to));
  });
  stage.addEventListener('pointercancel', () => { start = null; });

  show();
  if (infoWanted()) setInfo(true, false);
  return () => {
    window.removeEventListener('keydown', onKey);
    dropMap();
    leave();
  };
}
