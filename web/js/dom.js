// dom.js — building DOM without HTML strings. Every piece of text goes in as a
// text node, so data from the server can never become markup or script.

const BOOLEAN_PROPS = new Set(['hidden', 'disabled', 'required', 'multiple', 'checked', 'open', 'readOnly']);

// h('a', {href: '#/album', class: 'x', on: {click: fn}}, 'text', child, [more])
// Attribute values are set with setAttribute (never "style" or "on*" strings);
// children may be strings, numbers, nodes, arrays of those, or null/false (skipped).
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'on') {
      for (const [type, fn] of Object.entries(value)) el.addEventListener(type, fn);
    } else if (key === 'class') {
      el.className = value;
    } else if (key === 'dataset') {
      Object.assign(el.dataset, value);
    } else if (BOOLEAN_PROPS.has(key)) {
      el[key] = Boolean(value);
    } else if (key === 'value') {
      el.value = value;
    } else if (key === 'style' || key.startsWith('on')) {
      throw new Error(`h(): refusing attribute "${key}"; use CSS classes and the "on" map`);
    } else {
      el.setAttribute(key, String(value));
    }
  }
  append(el, children);
  return el;
}

export function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

// Replaces all of parent's children.
export function replace(parent, ...children) {
  parent.replaceChildren();
  return append(parent, children);
}

// A labelled form field: <div class="field"><label for=id>text</label><input id=id ...></div>
let fieldCounter = 0;
// A password input gets a show/hide toggle.
export function field(labelText, control, hint) {
  const id = control.id || `f${++fieldCounter}`;
  control.id = id;
  let hintEl = null;
  if (hint) {
    hintEl = h('p', { class: 'hint', id: `${id}-hint` }, hint);
    control.setAttribute('aria-describedby', hintEl.id);
  }
  const input = control.tagName === 'INPUT' && control.type === 'password'
    ? h('div', { class: 'password-row' }, control, showToggle(control))
    : control;
  return h('div', { class: 'field' }, h('label', { for: id }, labelText), input, hintEl);
}

// A password input's "Show"/"Hide" toggle (aria-pressed). Its name, "Show password",
// comes from its text (a visually hidden word), so it is no label of the input.
export function showToggle(input) {
  const word = h('span', null, 'Show');
  const toggle = h('button', { type: 'button', class: 'show-password', 'aria-pressed': 'false', 'aria-controls': input.id },
    word, h('span', { class: 'visually-hidden' }, ' password'));
  toggle.addEventListener('click', () => {
    const show = input.type === 'password';
    input.type = show ? 'text' : 'password';
    word.textContent = show ? 'Hide' : 'Show';
    toggle.setAttribute('aria-pressed', String(show));
  });
  return toggle;
}

// An error box for a form (role=alert so screen readers announce it).
let boxCounter = 0;
export function errorBox() {
  return h('p', { class: 'form-error', role: 'alert', hidden: true, id: `form${++boxCounter}-error` });
}

// Adds or removes one id in an element's aria-describedby.
function describedBy(el, id, on) {
  const ids = (el.getAttribute('aria-describedby') || '').split(/\s+/).filter((x) => x && x !== id);
  if (on) ids.push(id);
  if (ids.length) el.setAttribute('aria-describedby', ids.join(' '));
  else el.removeAttribute('aria-describedby');
}

// Marks control invalid (aria-invalid, described by the message box `box`) or valid again.
export function setInvalid(control, invalid, box) {
  if (invalid) control.setAttribute('aria-invalid', 'true');
  else control.removeAttribute('aria-invalid');
  if (box && box.id) describedBy(control, box.id, invalid);
}

// Shows every problem of a form at once: problems is [[control, message], ...].
// Each control's field gets its message under it and aria-invalid; the controls
// not listed are marked valid again. Focuses the first invalid control and
// returns true when there were problems.
export function showFieldErrors(form, problems) {
  for (const old of form.querySelectorAll('.field-error')) old.remove();
  for (const c of form.querySelectorAll('[aria-invalid]')) {
    c.removeAttribute('aria-invalid');
    for (const id of (c.getAttribute('aria-describedby') || '').split(/\s+/)) {
      if (id.endsWith('-error')) describedBy(c, id, false);
    }
  }
  for (const [control, message] of problems) {
    const note = h('p', { class: 'field-error', id: `${control.id}-error` }, message);
    const holder = control.closest('.field') || control.parentElement;
    holder.append(note);
    setInvalid(control, true, note);
  }
  if (problems.length) problems[0][0].focus();
  return problems.length > 0;
}

export function showError(box, message) {
  box.textContent = message || '';
  box.hidden = !message;
}

// Disables a form's controls while fn runs, so a double click does not send twice.
export async function busy(form, fn) {
  const controls = [...form.querySelectorAll('button, input, textarea, select')];
  const before = controls.map((c) => c.disabled);
  controls.forEach((c) => { c.disabled = true; });
  form.setAttribute('aria-busy', 'true');
  try {
    return await fn();
  } finally {
    controls.forEach((c, i) => { c.disabled = before[i]; });
    form.removeAttribute('aria-busy');
  }
}
