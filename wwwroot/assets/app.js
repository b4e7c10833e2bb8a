// The panel's entry point: reads the session, shows the login form or the page named by
// the address (/admin/teams ...), and moves between pages without reloading.

import { getSession, logout, whenUnauthorized } from './api.js';
import { fill, h } from './dom.js';
import { notifyError } from './notify.js';
import { renderLogin } from './pages/login.js';
import { renderLogs } from './pages/logs.js';
import { renderSettings } from './pages/settings.js';
import { renderTeams } from './pages/teams.js';
import { renderUsage } from './pages/usage.js';

const PAGES = {
  teams: { title: 'Teams', render: renderTeams },
  usage: { title: 'Usage', render: renderUsage },
  logs: { title: 'Request log', render: renderLogs },
  settings: { title: 'Settings', render: renderSettings },
};
const HOME = 'teams';

const main = document.getElementById('main');
const topbar = document.getElementById('topbar');
const banner = document.getElementById('default-password-banner');

let session = null;
let leaving = null;

function pageName() {
  const name = window.location.pathname.replace(/^\/admin\/?/, '').replace(/\/$/, '');
  return name || HOME;
}

/** Goes to another panel address, e.g. navigate('/admin/logs?team_id=3'). */
function navigate(url) {
  window.history.pushState(null, '', url);
  return show();
}

async function show() {
  leaving?.abort();
  const controller = new AbortController();
  leaving = controller;

  banner.hidden = !session?.default_password;
  topbar.hidden = !session?.authenticated;
  if (!session?.authenticated) {
    document.title = 'Log in · TokenRouter';
    fill(main);
    main.dataset.page = 'login';
    main.removeAttribute('aria-busy');
    renderLogin(main, { onLoggedIn: afterLogin, session });
    return;
  }

  let name = pageName();
  if (name === 'login') {
    window.history.replaceState(null, '', `/admin/${HOME}`);
    name = HOME;
  }
  const page = PAGES[name];
  for (const link of topbar.querySelectorAll('[data-page]')) {
    if (link.dataset.page === name) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }

  document.title = `${page?.title ?? 'Not found'} · TokenRouter`;
  fill(main);
  main.dataset.page = page ? name : 'not-found';
  if (!page) {
    main.removeAttribute('aria-busy');
    main.append(
      h('h1', {}, 'Page not found'),
      h(
        'p',
        {},
        'There is no admin page at this address. ',
        h('a', { href: `/admin/${HOME}`, 'data-link': true }, 'Go to the teams'),
        '.',
      ),
    );
    return;
  }
  // aria-busy tells assistive technology (and the browser tests) when the page is drawn.
  main.setAttribute('aria-busy', 'true');
  try {
    await page.render(main, { signal: controller.signal });
  } catch (error) {
    if (controller.signal.aborted || error.status === 401) return;
    main.append(h('p', { class: 'error', role: 'alert' }, error.message));
  } finally {
    if (!controller.signal.aborted) main.removeAttribute('aria-busy');
  }
}

async function afterLogin() {
  session = await getSession();
  await show();
}

async function loggedOut() {
  session = await getSession().catch(() => ({ authenticated: false }));
  await show();
}

// A click on an internal link changes the page in place (new tabs and modified clicks
// keep their usual meaning).
document.addEventListener('click', (event) => {
  const link = event.target.closest?.('a[data-link]');
  if (
    !link ||
    event.defaultPrevented ||
    event.button !== 0 ||
    event.metaKey ||
    event.ctrlKey ||
    event.shiftKey ||
    event.altKey
  ) {
    return;
  }
  event.preventDefault();
  navigate(link.getAttribute('href'));
});

window.addEventListener('popstate', () => show());

document.getElementById('logout').addEventListener('click', async () => {
  try {
    await logout();
  } catch (error) {
    if (error.status !== 401) {
      notifyError(error);
      return;
    }
  }
  await loggedOut();
});

// The session ran out (or another tab logged out): back to the login form, same address.
whenUnauthorized(() => {
  if (session?.authenticated) loggedOut();
});

try {
  session = await getSession();
  await show();
} catch (error) {
  fill(main, h('h1', {}, 'TokenRouter admin'), h('p', { class: 'error', role: 'alert' }, error.message));
}
