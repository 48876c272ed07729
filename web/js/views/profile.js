// #/profile — change the name and/or the password (PUT /api/me); the current
// password is always required.
import { api } from '../api.js';
import { h, field, errorBox, showError, busy, setInvalid, showFieldErrors } from '../dom.js';

export async function render(main, ctx) {
  const user = ctx.user;
  const email = h('input', { type: 'email', name: 'email', value: user.email || '', readOnly: true, autocomplete: 'username' });
  const username = h('input', { type: 'text', name: 'username', value: user.username || '', maxlength: 50, autocomplete: 'nickname' });
  const password = h('input', { type: 'password', name: 'password', autocomplete: 'new-password', minlength: 8 });
  const current = h('input', { type: 'password', name: 'current_password', autocomplete: 'current-password', required: true });
  const error = errorBox();
  const form = h('form', { class: 'stack', novalidate: true },
    field('Email', email, 'Your email is how you sign in; it cannot be changed here.'),
    field('Name shown in the album', username),
    field('New password', password, 'Leave empty to keep your password. At least 8 characters.'),
    field('Current password', current, 'Needed to save any change.'),
    error,
    h('button', { type: 'submit', class: 'button' }, 'Save profile'));

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    showError(error, '');
    const changes = { current_password: current.value };
    const newName = username.value.trim();
    // Every problem at once, each under its field.
    const problems = [];
    if (!newName) problems.push([username, 'Your name cannot be empty.']);
    if (password.value && password.value.length < 8) {
      problems.push([password, 'Choose a new password of at least 8 characters.']);
    }
    if (newName && newName !== (ctx.user.username || '')) changes.username = newName;
    if (password.value) changes.password = password.value;
    if (!problems.length && !changes.username && !changes.password) {
      problems.push([username, 'Nothing to save: change your name or enter a new password.']);
    }
    if (!current.value) problems.push([current, 'Enter your current password to save changes.']);
    if (showFieldErrors(form, problems)) return;
    let retry = null;
    await busy(form, async () => {
      try {
        const updated = await api.updateMe(changes);
        const fresh = updated && typeof updated === 'object' && (updated.username || updated.email)
          ? updated : await api.me();
        ctx.user = fresh;
        ctx.setUser(fresh);
        password.value = '';
        current.value = '';
        username.value = fresh.username || newName;
        ctx.flash('Profile saved.', 'success');
      } catch (e) {
        showError(error, e.message);
        retry = current;
      }
    });
    // only now that busy() has enabled the inputs again can one take focus
    if (retry && ctx.isCurrent()) {
      setInvalid(retry, true, error);
      retry.select();
    }
  });

  main.append(h('section', { class: 'panel narrow' },
    h('h1', null, 'Your profile'),
    form));
}
