// #/upload — several JPEGs at once, by picker or drag and drop, with tags,
// description and progress. Each file goes in its own request so that one bad
// file (413 too large, 415 not a JPEG) is reported on its own line and does
// not stop the others.
import { uploadPhotos } from '../api.js';
import { h, field, errorBox, showError } from '../dom.js';
import { formatBytes, joinTags } from '../format.js';
import { photoHash } from './common.js';

const JPEG_NAME = /\.(jpe?g|jfif)$/i;

function looksLikeJpeg(file) {
  return file.type === 'image/jpeg' || (file.type === '' && JPEG_NAME.test(file.name));
}

export async function render(main, ctx) {
  const maxMb = Number(ctx.config.max_upload_mb) > 0 ? Number(ctx.config.max_upload_mb) : 20;
  const maxBytes = maxMb * 1024 * 1024;
  let entries = [];    // {file, row, bar, statusEl, removeBtn, state: 'ready'|'bad'|'sending'|'done'|'failed'}
  let uploading = false;

  const picker = h('input', {
    type: 'file', id: 'upload-files', name: 'file', multiple: true,
    accept: 'image/jpeg,.jpg,.jpeg', class: 'visually-hidden',
  });
  const drop = h('div', { class: 'dropzone' },
    picker,
    h('label', { for: 'upload-files', class: 'dropzone-label' },
      h('strong', null, 'Choose JPEG photos'),
      h('span', null, ' or drop them here'),
      h('span', { class: 'hint' }, `Up to ${maxMb} MB each. Location, camera and date are read from the photo.`)));
  const fileList = h('ul', { class: 'files', 'aria-label': 'Files to upload' });
  const tags = h('input', { type: 'text', name: 'tags', maxlength: 400, placeholder: 'beach, family' });
  const desc = h('textarea', { name: 'desc', rows: 3, maxlength: 400 });
  const overall = h('progress', { class: 'overall', max: 1, value: 0, hidden: true, 'aria-label': 'Upload progress' });
  const status = h('p', { class: 'status', role: 'status' });
  const error = errorBox();
  const submit = h('button', { type: 'submit', class: 'button wide', disabled: true }, 'Upload');
  const form = h('form', { class: 'stack upload-form', novalidate: true },
    drop, fileList,
    field('Tags', tags, 'Separate tags with commas.'),
    field('Description', desc),
    error, overall, status, submit);

  function refreshButton() {
    const ready = entries.filter((e) => e.state === 'ready').length;
    submit.disabled = uploading || ready === 0;
    submit.textContent = ready > 1 ? `Upload ${ready} photos` : 'Upload';
  }

  function setEntryState(entry, state, message) {
    entry.state = state;
    entry.row.dataset.state = state;
    entry.statusEl.textContent = message;
    entry.removeBtn.hidden = state === 'sending' || state === 'done';
  }

  function addFiles(fileListLike) {
    for (const file of fileListLike) {
      if (entries.some((e) => e.file.name === file.name && e.file.size === file.size
        && e.file.lastModified === file.lastModified && e.state !== 'done')) continue;
      const bar = h('progress', { max: Math.max(file.size, 1), value: 0, 'aria-label': `Progress of ${file.name}` });
      // A preview of what will be sent (a blob: URL, freed when the row goes).
      const previewUrl = looksLikeJpeg(file) && file.size > 0 && file.size <= maxBytes ? URL.createObjectURL(file) : '';
      const preview = previewUrl
        ? h('img', { class: 'file-preview', src: previewUrl, alt: '', width: 56, height: 56, decoding: 'async' })
        : h('span', { class: 'file-preview file-preview-none', 'aria-hidden': 'true' });
      const statusEl = h('span', { class: 'file-status' });
      const removeBtn = h('button', { type: 'button', class: 'link-button', 'aria-label': `Remove ${file.name}` }, 'Remove');
      const row = h('li', { class: 'file' },
        preview,
        h('span', { class: 'file-name' }, file.name),
        h('span', { class: 'file-size' }, formatBytes(file.size)),
        bar, statusEl, removeBtn);
      const entry = { file, row, bar, statusEl, removeBtn, state: 'ready', previewUrl };
      removeBtn.addEventListener('click', () => {
        entries = entries.filter((e) => e !== entry);
        if (previewUrl) URL.revokeObjectURL(previewUrl);
        row.remove();
        refreshButton();
      });
      if (!looksLikeJpeg(file)) setEntryState(entry, 'bad', 'Not a JPEG image: only .jpg photos can be uploaded.');
      else if (file.size > maxBytes) setEntryState(entry, 'bad', `Too large: the limit is ${maxMb} MB.`);
      else setEntryState(entry, 'ready', 'Ready');
      entries.push(entry);
      fileList.append(row);
    }
    refreshButton();
  }

  picker.addEventListener('change', () => {
    addFiles(picker.files);
    picker.value = '';
  });

  // Drag and drop onto the zone; a drop elsewhere on the page must not make
  // the browser navigate away to the file.
  const stopDefault = (ev) => {
    if (ev.dataTransfer && [...ev.dataTransfer.types].includes('Files')) ev.preventDefault();
  };
  window.addEventListener('dragover', stopDefault);
  window.addEventListener('drop', stopDefault);
  drop.addEventListener('dragenter', (ev) => { ev.preventDefault(); drop.classList.add('dragging'); });
  drop.addEventListener('dragover', (ev) => { ev.preventDefault(); drop.classList.add('dragging'); });
  drop.addEventListener('dragleave', (ev) => {
    if (!drop.contains(ev.relatedTarget)) drop.classList.remove('dragging');
  });
  drop.addEventListener('drop', (ev) => {
    ev.preventDefault();
    drop.classList.remove('dragging');
    if (ev.dataTransfer && ev.dataTransfer.files) addFiles(ev.dataTransfer.files);
  });

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (uploading) return;
    showError(error, '');
    const todo = entries.filter((e) => e.state === 'ready' || e.state === 'failed');
    if (!todo.length) {
      showError(error, 'Choose at least one JPEG photo first.');
      return;
    }
    uploading = true;
    refreshButton();
    const tagText = joinTags(tags.value);
    const descText = desc.value.trim();
    const total = todo.reduce((n, e) => n + Math.max(e.file.size, 1), 0);
    let doneBytes = 0;
    overall.max = total;
    overall.value = 0;
    overall.hidden = false;
    const uploaded = [];
    let failed = 0;

    for (const [i, entry] of todo.entries()) {
      status.textContent = `Uploading ${i + 1} of ${todo.length}…`;
      setEntryState(entry, 'sending', 'Uploading…');
      try {
        const result = await uploadPhotos([entry.file], tagText, descText, (loaded, all) => {
          const sent = Math.min(entry.file.size, Math.round(entry.file.size * (loaded / Math.max(all, 1))));
          entry.bar.value = sent;
          overall.value = doneBytes + sent;
        });
        const photos = Array.isArray(result && result.photos) ? result.photos : [];
        uploaded.push(...photos);
        entry.bar.value = entry.bar.max;
        setEntryState(entry, 'done', 'Uploaded');
        if (photos[0] && photos[0].id !== undefined) {
          entry.statusEl.replaceChildren(h('a', { href: photoHash(photos[0].id) }, 'Uploaded: view'));
        }
      } catch (e) {
        failed += 1;
        entry.bar.value = 0;
        setEntryState(entry, 'failed', e.message);
      }
      doneBytes += Math.max(entry.file.size, 1);
      overall.value = doneBytes;
      if (!ctx.isCurrent()) return;
    }
    uploading = false;
    refreshButton();
    if (failed === 0) {
      ctx.navigate('#/album', `${uploaded.length} photo${uploaded.length === 1 ? '' : 's'} uploaded.`);
      return;
    }
    status.textContent = `${todo.length - failed} uploaded, ${failed} failed; see each file above.`;
    showError(error, failed === todo.length ? 'No photo could be uploaded.' : '');
  });

  main.append(h('section', { class: 'panel medium' },
    h('h1', null, 'Upload photos'),
    form));
  return () => {
    for (const e of entries) if (e.previewUrl) URL.revokeObjectURL(e.previewUrl);
    window.removeEventListener('dragover', stopDefault);
    window.removeEventListener('drop', stopDefault);
  };
}
