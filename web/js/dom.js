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
export function field(labelText, control, hint) {
  const id = control.id || `f${++fieldCounter}`;
  control.id = id;
  let hintEl = null;
  if (hint) {
    hintEl = h('p', { class: 'hint', id: `${id}-hint` }, hint);
    control.setAttribute('aria-describedby', hintEl.id);
  }
  return h('div', { class: 'field' }, h('label', { for: id }, labelText), control, hintEl);
}

// An error box for a form (role=alert so screen readers announce it).
export function errorBox() {
  return h('p', { class: 'form-error', role: 'alert', hidden: true });
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
