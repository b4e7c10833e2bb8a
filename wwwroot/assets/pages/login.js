// The login form: one password, the admin's. Wrong passwords are counted by the server,
// which locks the address out for a while; the form says until when.

import { ApiError, login } from '../api.js';
import { field, h } from '../dom.js';

const clock = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });

export function renderLogin(main, { onLoggedIn }) {
  const password = h('input', {
    type: 'password',
    name: 'password',
    autocomplete: 'current-password',
    required: true,
    autofocus: true,
  });
  const message = h('p', { class: 'error', role: 'alert', hidden: true });
  const submit = h('button', { type: 'submit', class: 'primary wide' }, 'Log in');

  const form = h(
    'form',
    { class: 'login-card', novalidate: true },
    h('h1', {}, 'TokenRouter admin'),
    h('p', { class: 'muted' }, 'Log in with the admin password.'),
    field('Password', password),
    message,
    submit,
  );

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    message.hidden = true;
    if (!password.value) {
      showMessage(message, 'Enter the admin password.');
      password.focus();
      return;
    }

    submit.disabled = true;
    try {
      await login(password.value);
      await onLoggedIn();
    } catch (error) {
      showMessage(message, describe(error));
      password.select();
    } finally {
      submit.disabled = false;
    }
  });

  main.append(h('div', { class: 'login-page' }, form));
  password.focus();
}

function describe(error) {
  if (!(error instanceof ApiError)) return error.message;
  if (error.status === 401) return 'Wrong password. Try again.';
  if (error.status === 429) {
    const seconds = error.retryAfter;
    // Locked out (too many wrong passwords) or rate limited (too many tries of any kind).
    if (seconds === null) return error.message;
    const until = clock.format(new Date(Date.now() + seconds * 1000));
    return `Too many attempts: login is locked until ${until} (${waitText(seconds)}).`;
  }
  return error.message;
}

function waitText(seconds) {
  if (seconds < 90) return `${seconds} seconds`;
  return `about ${Math.ceil(seconds / 60)} minutes`;
}

function showMessage(element, text) {
  element.textContent = text;
  element.hidden = false;
}
