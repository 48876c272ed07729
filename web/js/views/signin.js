// #/signin — sign in with email and password (POST /api/session).
import { api } from '../api.js';
import { h, field, errorBox, showError, busy } from '../dom.js';

// With Cognito (stage 3+) the server may offer its hosted sign-in page.
function hostedLogin(config) {
  if (config.auth_kind !== 'cognito' || typeof config.login_url !== 'string') return null;
  if (!/^(https?:\/\/|\/)/.test(config.login_url)) return null;
  return h('p', { class: 'alt-action' },
    h('a', { class: 'button secondary wide', href: config.login_url }, 'Sign in with your CloudAlbum account (Cognito)'));
}

export async function render(main, ctx) {
  const email = h('input', { type: 'email', name: 'email', autocomplete: 'username', required: true, maxlength: 50 });
  const password = h('input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true });
  const error = errorBox();
  const form = h('form', { class: 'stack', novalidate: true },
    field('Email', email),
    field('Password', password),
    error,
    h('button', { type: 'submit', class: 'button wide' }, 'Sign in'));

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    showError(error, '');
    if (!email.value.trim() || !password.value) {
      showError(error, 'Enter your email and password.');
      (email.value.trim() ? password : email).focus();
      return;
    }
    await busy(form, async () => {
      try {
        const user = await api.signIn(email.value.trim(), password.value);
        ctx.setUser(user && typeof user === 'object' ? user : await api.me());
        ctx.navigate('#/album');
      } catch (e) {
        showError(error, e.message);
        password.select();
      }
    });
  });

  main.append(h('section', { class: 'panel narrow' },
    h('h1', null, 'Sign in'),
    hostedLogin(ctx.config),
    form,
    h('p', { class: 'alt-action' }, 'New here? ', h('a', { href: '#/signup' }, 'Create an account'))));
  email.focus();
}
