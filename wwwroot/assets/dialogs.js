// Modal dialogs on the native <dialog> element: a confirmation, and the one-time token view.

import { h } from './dom.js';

let nextId = 0;

/** Shows a dialog until it closes, then removes it from the page; resolves with its returnValue. */
export function showDialog(dialog) {
  return new Promise((resolve) => {
    dialog.addEventListener(
      'close',
      () => {
        dialog.remove();
        resolve(dialog.returnValue);
      },
      { once: true },
    );
    document.body.append(dialog);
    dialog.showModal();
  });
}

function titled(title, ...content) {
  const id = `dialog-title-${++nextId}`;
  return h('dialog', { class: 'dialog', 'aria-labelledby': id }, h('h2', { id }, title), ...content);
}

/** Asks before doing something that cannot be undone; resolves true when confirmed. */
export async function confirmAction({ title, message, confirmLabel, danger = false }) {
  const dialog = titled(
    title,
    h(
      'form',
      { method: 'dialog' },
      h('p', {}, message),
      h(
        'div',
        { class: 'dialog-actions' },
        h('button', { value: 'cancel', class: 'secondary', autofocus: true }, 'Cancel'),
        h('button', { value: 'confirm', class: danger ? 'danger' : 'primary' }, confirmLabel),
      ),
    ),
  );
  return (await showDialog(dialog)) === 'confirm';
}

/** Shows a team token the one time the server hands it out, with a copy button. */
export async function showToken({ teamName, token, rotated = false }) {
  // A textarea, so that a token wider than the dialog wraps instead of scrolling out of view.
  const value = h('textarea', {
    class: 'token-value',
    rows: 1,
    readOnly: true,
    value: token,
    'aria-label': 'Team token',
    spellcheck: 'false',
    autocomplete: 'off',
  });
  const status = h('span', { class: 'copy-status', role: 'status' });
  const copy = h(
    'button',
    { type: 'button', class: 'primary', onclick: () => copyToken(value, status) },
    'Copy',
  );
  const dialog = titled(
    rotated ? 'New token' : 'Team created',
    h(
      'p',
      {},
      rotated ? 'The new token of ' : 'The token of ',
      h('strong', {}, teamName),
      rotated ? '. The previous token no longer works.' : ':',
    ),
    h('div', { class: 'token-row' }, value, copy),
    status,
    h(
      'p',
      { class: 'warning' },
      h('strong', {}, 'This is the only time this token is shown. '),
      'Copy it now and give it to the team through a safe channel: you will not see it again. ',
      'If it is lost, rotate the token to get a new one.',
    ),
    h(
      'p',
      { class: 'muted' },
      'The team uses it as the API key of any OpenAI SDK, with base URL ',
      h('code', {}, `${window.location.origin}/v1`),
      '.',
    ),
    h(
      'form',
      { method: 'dialog', class: 'dialog-actions' },
      h('button', { value: 'done', class: 'secondary' }, 'Done'),
    ),
  );
  value.addEventListener('focus', () => value.select());
  const closed = showDialog(dialog);
  fitHeight(value);
  // Narrower means more lines: refit when the width changes (a frame later, outside the observer).
  let width = value.clientWidth;
  const observer = new ResizeObserver(() => {
    if (value.clientWidth === width) return;
    width = value.clientWidth;
    requestAnimationFrame(() => fitHeight(value));
  });
  observer.observe(value);
  await closed;
  observer.disconnect();
}

/** Makes a textarea exactly as tall as its text, so that every line of it is in view. */
function fitHeight(textarea) {
  textarea.style.height = 'auto';
  textarea.style.height = `${textarea.scrollHeight + textarea.offsetHeight - textarea.clientHeight}px`;
}

async function copyToken(input, status) {
  try {
    // The Clipboard API needs a secure context (HTTPS or localhost); the panel may be
    // served over plain HTTP on a private network, where only the older command works.
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(input.value);
    } else {
      input.select();
      if (!document.execCommand('copy')) throw new Error('copy refused');
    }
    status.textContent = 'Copied to the clipboard.';
  } catch {
    input.select();
    status.textContent = 'Copying is not allowed here: the token is selected, press Ctrl+C (or ⌘C).';
  }
}
