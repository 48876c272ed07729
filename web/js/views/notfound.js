// The "not found" view: an address no route knows (#/nope), or a photo that is not
// there (deleted, or another user's). Nothing to retry; links lead somewhere real.
import { h } from '../dom.js';

// kind: 'page' (unknown address) or 'photo' (the API answered 404 for a photo).
export function notFound(main, ctx, kind = 'page') {
  const photo = kind === 'photo';
  document.title = `${photo ? 'Photo not found' : 'Page not found'} · CloudAlbum`;
  main.append(h('section', { class: 'panel narrow not-found', 'aria-labelledby': 'nf-title' },
    h('p', { class: 'not-found-code', 'aria-hidden': 'true' }, '404'),
    h('h1', { id: 'nf-title' }, photo ? 'Photo not found' : 'Page not found'),
    h('p', null, photo
      ? 'This photo is not in your album: it may have been deleted, or the link is not right.'
      : 'There is nothing at this address. Check the link, or go back to your photos.'),
    h('p', { class: 'actions' },
      ctx && ctx.user
        ? h('a', { class: 'button', href: '#/album' }, 'Go to your album')
        : h('a', { class: 'button', href: '#/signin' }, 'Sign in'))));
}

export async function render(main, ctx) {
  notFound(main, ctx, 'page');
}
