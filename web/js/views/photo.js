// #/photos/<id> — one photo: the original, its metadata, editing of tags,
// description and location, and deletion with confirmation.
import { api } from '../api.js';
import { h, field, errorBox, showError, busy, replace } from '../dom.js';
import { formatBytes, formatDate, formatCoord, photoTitle, joinTags, splitTags, toLatLng } from '../format.js';
import { tagList, safeUrl, mapHash } from './common.js';

function text(v) {
  if (v === null || v === undefined) return '';
  return String(v).trim();
}

// [label, value] rows; empty values are left out.
function metadataRows(p) {
  const camera = [text(p.make), text(p.model)].filter(Boolean).join(' ');
  const size = text(p.width) && text(p.height) && text(p.width) !== '0' ? `${text(p.width)} × ${text(p.height)} px` : '';
  return [
    ['Taken', formatDate(p.taken_date)],
    ['Uploaded', formatDate(p.upload_date)],
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

function confirmDialog(title, message, confirmLabel) {
  return new Promise((resolve) => {
    const cancel = h('button', { type: 'button', class: 'button secondary', value: 'cancel' }, 'Cancel');
    const ok = h('button', { type: 'button', class: 'button danger', value: 'ok' }, confirmLabel);
    const dialog = h('dialog', { class: 'dialog', 'aria-labelledby': 'dialog-title' },
      h('h2', { id: 'dialog-title' }, title),
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

export async function render(main, ctx) {
  const id = ctx.params.id;
  let photo = await api.photo(id);
  if (!ctx.isCurrent()) return;

  const heading = h('h1', { class: 'photo-title' });
  const tagsView = h('div', { class: 'photo-tags' });
  const metaView = h('div');
  const actions = h('p', { class: 'actions' });
  const original = safeUrl(photo.original_url);
  const deleteBtn = h('button', { type: 'button', class: 'button danger' }, 'Delete photo');

  // Redraws what depends on the saved photo (after loading and after each save).
  function show() {
    heading.textContent = photoTitle(photo);
    replace(tagsView, tagList(photo.tags));
    replace(metaView, metadataList(photo));
    const where = toLatLng(photo.geotag_lat, photo.geotag_lng);
    replace(actions, where ? h('a', { class: 'button secondary', href: mapHash(photo.id) }, 'Show on map') : null,
      deleteBtn);
  }

  // The edit form.
  const tags = h('input', { type: 'text', name: 'tags', maxlength: 400, value: splitTags(photo.tags).join(', ') });
  const desc = h('textarea', { name: 'desc', rows: 3, maxlength: 400, value: text(photo.desc) });
  const ll = toLatLng(photo.geotag_lat, photo.geotag_lng);
  const lat = h('input', { type: 'number', name: 'lat', step: 'any', min: -90, max: 90, inputmode: 'decimal', value: ll ? ll[0] : '' });
  const lng = h('input', { type: 'number', name: 'lng', step: 'any', min: -180, max: 180, inputmode: 'decimal', value: ll ? ll[1] : '' });
  const error = errorBox();
  const form = h('form', { class: 'stack edit-form', novalidate: true, 'aria-labelledby': 'edit-title' },
    h('h2', { id: 'edit-title' }, 'Edit'),
    field('Tags', tags, 'Separate tags with commas.'),
    field('Description', desc),
    h('fieldset', { class: 'latlng' },
      h('legend', null, 'Location'),
      field('Latitude', lat),
      field('Longitude', lng)),
    error,
    h('button', { type: 'submit', class: 'button' }, 'Save changes'));

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
      if (latText === '' || lngText === '' || !Number.isFinite(la) || !Number.isFinite(ln)
        || la < -90 || la > 90 || ln < -180 || ln > 180) {
        showError(error, 'Enter both latitude (−90 to 90) and longitude (−180 to 180), or leave both empty.');
        (latText === '' ? lat : lng).focus();
        return;
      }
      if (!before || before[0] !== la || before[1] !== ln) {
        changes.geotag_lat = la;
        changes.geotag_lng = ln;
      }
    }
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
      }
    });
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
      ctx.navigate('#/album', 'Photo deleted.');
    } catch (e) {
      deleteBtn.disabled = false;
      ctx.flash(e.message, 'error');
    }
  });

  show();
  main.append(h('article', { class: 'photo-page' },
    h('p', { class: 'back' }, h('a', { href: '#/album' }, '← Album')),
    h('div', { class: 'photo-layout' },
      h('figure', { class: 'photo-figure' },
        original
          ? h('a', { href: original, target: '_blank', rel: 'noopener', 'aria-label': 'Open the original in a new tab' },
            h('img', { class: 'original', src: original, alt: photoTitle(photo) }))
          : h('p', { class: 'thumb-missing' }, 'The original is not available.')),
      h('div', { class: 'photo-side' },
        heading, tagsView, metaView, actions, form))));
}
