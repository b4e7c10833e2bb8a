// Settings, read-only: what this router runs with. The provider key is never sent here.

import { getSettings } from '../api.js';
import { h } from '../dom.js';
import { formatBytes, formatNumber, formatUptime } from '../format.js';

export async function renderSettings(main) {
  const settings = await getSettings();
  const models = settings.allowed_models ?? [];
  const size = settings.database_size_bytes;
  const row = (term, ...value) => [h('dt', {}, term), h('dd', {}, ...value)];

  main.append(
    h('div', { class: 'page-head' }, h('h1', {}, 'Settings')),
    h(
      'section',
      { class: 'panel' },
      h(
        'dl',
        { class: 'settings' },
        row('Provider base URL', h('code', {}, settings.provider_base_url)),
        row(
          'Allowed models',
          models.length === 0
            ? h('span', { class: 'muted' }, 'none configured')
            : h(
                'ul',
                { class: 'chips' },
                models.map((model) => h('li', {}, model)),
              ),
        ),
        row('Database', h('code', {}, settings.database_path)),
        row('Database size', `${formatBytes(size)} (${formatNumber(size)} bytes)`),
        row('Version', settings.version),
        row('Uptime', formatUptime(settings.uptime_seconds)),
        row(
          'Admin password',
          settings.default_password
            ? h('span', { class: 'badge status-exhausted' }, 'default: change it')
            : 'set',
        ),
      ),
    ),
    h(
      'p',
      { class: 'muted' },
      'These come from the env file, the environment and the command line; change them there and restart. ',
      'The provider API key is never shown.',
    ),
  );
}
