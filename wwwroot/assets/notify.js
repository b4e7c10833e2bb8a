// Short messages in the corner: successes fade on their own, errors stay until dismissed.

import { h } from './dom.js';

const SUCCESS_MS = 5000;

export function notify(message, kind = 'success') {
  const region = document.getElementById('toasts');
  const close = h('button', { type: 'button', class: 'toast-close', 'aria-label': 'Dismiss' }, '×');
  const toast = h(
    'div',
    { class: ['toast', kind], role: kind === 'error' ? 'alert' : 'status' },
    h('span', {}, message),
    close,
  );
  close.addEventListener('click', () => toast.remove());
  region.append(toast);
  if (kind !== 'error') setTimeout(() => toast.remove(), SUCCESS_MS);
}

export const notifyError = (error) => notify(error.message, 'error');
