// #/signup — create an account (POST /api/users), then sign in with it.
import { api } from '../api.js';
import { h, field, errorBox, showError, busy, showFieldErrors } from '../dom.js';

export async function render(main, ctx) {
  const email = h('input', { type: 'email', name: 'email', autocomplete: 'email', required: true, maxlength: 50 });
  const username = h('input', { type: 'text', name: 'username', autocomplete: 'nickname', required: true, maxlength: 50 });
  const password = h('input', { type: 'password', name: 'password', autocomplete: 'new-password', required: true, minlength: 8 });
  const error = errorBox();
  const form = h('form', { class: 'stack', novalidate: true },
    field('Email', email),
    field('Name shown in the album', username),
    field('Password', password, 'At least 8 characters.'),
    error,
    h('button', { type: 'submit', class: 'button wide' }, 'Create account'));

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    showError(error, '');
    // Every problem at once, each under its field.
    const problems = [];
    if (!email.value.trim()) problems.push([email, 'Enter your email.']);
    else if (!email.checkValidity()) problems.push([email, 'Enter a valid email address, such as name@example.com.']);
    if (!username.value.trim()) problems.push([username, 'Enter a name.']);
    if (!password.value) problems.push([password, 'Enter a password.']);
    else if (password.value.length < 8) problems.push([password, 'Choose a password of at least 8 characters.']);
    if (showFieldErrors(form, problems)) return;
    let failed = false;
    await busy(form, async () => {
      try {
        await api.signUp(email.value.trim(), username.value.trim(), password.value);
        const user = await api.signIn(email.value.trim(), password.value);
        ctx.setUser(user && typeof user === 'object' ? user : await api.me());
        ctx.navigate('#/upload', 'Welcome to CloudAlbum! Upload your first photos.', 'info');
      } catch (e) {
        showError(error, e.message);
        failed = true;
      }
    });
    if (failed && ctx.isCurrent()) email.focus();
  });

  if (ctx.config.auth_kind === 'cognito') {
    main.append(h('section', { class: 'panel narrow' },
      h('h1', null, 'Create an account'),
      h('p', null, 'Accounts are managed by Amazon Cognito on this server. '),
      h('p', { class: 'alt-action' }, h('a', { href: '#/signin' }, 'Back to sign in'))));
    return;
  }
  main.append(h('section', { class: 'panel narrow' },
    h('h1', null, 'Create an account'),
    form,
    h('p', { class: 'alt-action' }, 'Already have an account? ', h('a', { href: '#/signin' }, 'Sign in instead'))));
  email.focus();
}
