// #/signin — sign in with email and password (POST /api/session). When the server
// answers "new_password_required" (stage 3+: a migrated user whose legacy password
// is right but refused by the Cognito pool's rules), the form asks for a new
// password twice and signs in again with it as new_password.
import { api } from '../api.js';
import { h, field, errorBox, showError, busy, setInvalid, showFieldErrors } from '../dom.js';

export const NEW_PASSWORD_REQUIRED = 'new_password_required';

// With Cognito (stage 3+) the server may offer its hosted sign-in page.
function hostedLogin(config) {
  if (config.auth_kind !== 'cognito' || typeof config.login_url !== 'string') return null;
  if (!/^(https?:\/\/|\/)/.test(config.login_url)) return null;
  return h('p', { class: 'alt-action' },
    h('a', { class: 'button secondary wide', href: config.login_url }, 'Sign in with your CloudAlbum account (Cognito)'));
}

// What is wrong with a chosen new password and its confirmation, or '' (pure;
// the server and the user pool check the rest).
export function newPasswordProblem(chosen, confirmation) {
  if (typeof chosen !== 'string' || !chosen) return 'Choose a new password.';
  if (chosen.length < 8) return 'Choose a new password of at least 8 characters.';
  if (chosen !== confirmation) return 'The two new passwords are not the same; type them again.';
  return '';
}

export async function render(main, ctx) {
  const email = h('input', { type: 'email', name: 'email', autocomplete: 'username', required: true, maxlength: 50 });
  const password = h('input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true });
  const newPassword = h('input', { type: 'password', name: 'new_password', autocomplete: 'new-password', minlength: 8 });
  const confirmPassword = h('input', { type: 'password', name: 'confirm_password', autocomplete: 'new-password', minlength: 8 });
  const note = h('p', { class: 'form-note', role: 'status' });
  // In the form only while asked for (the fields are not there for everyone else).
  const choose = h('div', { class: 'stack new-password' },
    note,
    field('New password', newPassword, 'At least 8 characters, as the user pool\'s rules ask.'),
    field('Confirm new password', confirmPassword));
  const submit = h('button', { type: 'submit', class: 'button wide' }, 'Sign in');
  const error = errorBox();
  const form = h('form', { class: 'stack', novalidate: true },
    field('Email', email),
    field('Password', password),
    error,
    submit);

  // Asking for a new password belongs to one email and password: editing them undoes it.
  const choosingNow = () => choose.isConnected;
  const setChoosing = (on, message) => {
    if (on) form.insertBefore(choose, error);
    else choose.remove();
    note.textContent = on ? message : '';
    newPassword.required = on;
    confirmPassword.required = on;
    if (!on) {
      newPassword.value = '';
      confirmPassword.value = '';
    }
    submit.textContent = on ? 'Set new password and sign in' : 'Sign in';
  };
  const reset = () => { if (choosingNow()) setChoosing(false); };
  email.addEventListener('input', reset);
  password.addEventListener('input', reset);

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    showError(error, '');
    const choosing = choosingNow();
    // Every problem at once, each under its field.
    const problems = [];
    if (!email.value.trim()) problems.push([email, 'Enter your email.']);
    if (!password.value) problems.push([password, 'Enter your password.']);
    if (choosing) {
      const problem = newPasswordProblem(newPassword.value, confirmPassword.value);
      if (problem) {
        problems.push([newPassword.value && newPassword.value.length >= 8 ? confirmPassword : newPassword, problem]);
      }
    }
    if (showFieldErrors(form, problems)) return;
    // The field to select after a refusal; only once busy() has enabled the
    // controls again (a disabled input cannot take focus).
    let retry = null;
    await busy(form, async () => {
      try {
        const user = await api.signIn(email.value.trim(), password.value,
          choosing ? newPassword.value : undefined);
        ctx.setUser(user && typeof user === 'object' ? user : await api.me());
        ctx.navigate('#/album');
      } catch (e) {
        if (e.code === NEW_PASSWORD_REQUIRED && !choosing) {
          setChoosing(true, e.message);
          return;
        }
        showError(error, e.message);
        retry = choosing && e.status === 400 ? newPassword : password;
      }
    });
    if (!ctx.isCurrent()) return;
    if (retry) {
      setInvalid(retry, true, error);
      retry.select();
    } else if (choosingNow() && !newPassword.value) {
      newPassword.focus();
    }
  });

  main.append(h('section', { class: 'panel narrow' },
    h('h1', null, 'Sign in'),
    hostedLogin(ctx.config),
    form,
    h('p', { class: 'alt-action' }, 'New here? ', h('a', { href: '#/signup' }, 'Create an account'))));
  email.focus();
}
