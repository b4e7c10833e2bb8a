// Teams: the table of every team with its quota standing, and the actions on a team.
// Each action updates the table from the server's answer at once; no reload.

import { deleteTeam, getSettings, listTeams, resetTeam, rotateToken } from '../api.js';
import { confirmAction, showToken } from '../dialogs.js';
import { fill, h } from '../dom.js';
import { formatDateTime, formatNumber, formatRelative } from '../format.js';
import { notify, notifyError } from '../notify.js';
import { openTeamForm } from './team-form.js';

const COLUMNS = [
  { key: 'name', label: 'Name', value: (team) => team.name.toLocaleLowerCase() },
  { key: 'quota', label: 'Quota', value: (team) => team.quota, numeric: true },
  { key: 'used', label: 'Used', value: (team) => team.used, numeric: true },
  { key: 'remaining', label: 'Remaining', value: (team) => team.remaining, numeric: true },
  { key: 'token_prefix', label: 'Token', value: (team) => team.token_prefix },
  {
    key: 'last_request_at',
    label: 'Last request',
    value: (team) => (team.last_request_at ? Date.parse(team.last_request_at) : null),
  },
  { key: 'status', label: 'Status', value: (team) => teamStatus(team) },
];

/** enabled, disabled, expired or exhausted: the first that applies, in that order of blame. */
export function teamStatus(team, now = Date.now()) {
  if (!team.enabled) return 'disabled';
  if (team.expires_at && Date.parse(team.expires_at) <= now) return 'expired';
  if (team.remaining <= 0) return 'exhausted';
  return 'enabled';
}

export async function renderTeams(main, { signal }) {
  const state = { teams: [], sortKey: 'name', descending: false, search: '', allowedModels: null };

  const search = h('input', {
    type: 'search',
    placeholder: 'Search name or token',
    'aria-label': 'Search teams',
    autocomplete: 'off',
  });
  const create = h('button', { type: 'button', class: 'primary' }, 'New team');
  const refresh = h('button', { type: 'button', class: 'secondary', title: 'Reload the teams' }, 'Refresh');
  const count = h('span', { class: 'count' });
  const table = h('div', { class: 'table-wrap' });

  main.append(
    h(
      'div',
      { class: 'page-head' },
      h('h1', {}, 'Teams ', count),
      h('div', { class: 'toolbar' }, search, refresh, create),
    ),
    table,
  );

  const render = () => drawTable(table, count, state, actions);
  const replace = (team) => {
    state.teams = state.teams.map((known) => (known.id === team.id ? withoutToken(team) : known));
    render();
  };
  const drop = (id) => {
    state.teams = state.teams.filter((team) => team.id !== id);
    render();
  };
  const allowedModels = async () => {
    state.allowedModels ??= (await getSettings()).allowed_models ?? [];
    return state.allowedModels;
  };
  const reload = async () => {
    state.teams = await listTeams();
    if (!signal.aborted) render();
  };
  // A team another admin (or the CLI) deleted meanwhile: say so and show the list as it is.
  const failed = (error) => {
    notifyError(error);
    if (error.status === 404) reload().catch(notifyError);
  };

  const actions = {
    sort(key) {
      state.descending = state.sortKey === key ? !state.descending : false;
      state.sortKey = key;
      render();
    },
    async edit(team) {
      try {
        const updated = await openTeamForm({ team, allowedModels: await allowedModels() });
        if (updated && updated !== team) {
          replace(updated);
          notify(`Team “${updated.name}” saved.`);
        }
      } catch (error) {
        failed(error);
      }
    },
    async reset(team) {
      const confirmed = await confirmAction({
        title: 'Reset usage',
        message: [
          'Set the used tokens of ',
          h('strong', {}, team.name),
          ` (now ${formatNumber(team.used)}) back to 0?`,
        ],
        confirmLabel: 'Reset usage',
      });
      if (!confirmed) return;
      try {
        replace(await resetTeam(team.id));
        notify(`Usage of “${team.name}” reset to 0.`);
      } catch (error) {
        failed(error);
      }
    },
    async rotate(team) {
      const confirmed = await confirmAction({
        title: 'Rotate token',
        message: [
          'Give ',
          h('strong', {}, team.name),
          ' a new token? The current one stops working at once.',
        ],
        confirmLabel: 'Rotate token',
        danger: true,
      });
      if (!confirmed) return;
      try {
        const rotated = await rotateToken(team.id);
        replace(rotated);
        await showToken({ teamName: rotated.name, token: rotated.token, rotated: true });
      } catch (error) {
        failed(error);
      }
    },
    async remove(team) {
      const confirmed = await confirmAction({
        title: 'Delete team',
        message: [
          'Delete ',
          h('strong', {}, team.name),
          '? Its token stops working at once. Its rows in the request log are kept.',
        ],
        confirmLabel: 'Delete team',
        danger: true,
      });
      if (!confirmed) return;
      try {
        await deleteTeam(team.id);
        drop(team.id);
        notify(`Team “${team.name}” deleted.`);
      } catch (error) {
        failed(error);
      }
    },
  };

  search.addEventListener('input', () => {
    state.search = search.value.trim().toLocaleLowerCase();
    render();
  });
  refresh.addEventListener('click', () => reload().catch(notifyError));
  create.addEventListener('click', async () => {
    try {
      const created = await openTeamForm({ allowedModels: await allowedModels() });
      if (!created) return;
      state.teams = [...state.teams, withoutToken(created)];
      render();
      await showToken({ teamName: created.name, token: created.token });
    } catch (error) {
      failed(error);
    }
  });

  await reload();
}

// The token lives only in the dialog that shows it, never in the page's state.
function withoutToken(team) {
  const { token: _token, ...rest } = team;
  return rest;
}

function drawTable(container, count, state, actions) {
  const column = COLUMNS.find((candidate) => candidate.key === state.sortKey);
  const visible = state.teams
    .filter(
      (team) =>
        !state.search ||
        team.name.toLocaleLowerCase().includes(state.search) ||
        team.token_prefix.toLocaleLowerCase().includes(state.search),
    )
    .sort((a, b) => compare(column.value(a), column.value(b)) * (state.descending ? -1 : 1) || a.id - b.id);

  fill(
    count,
    state.teams.length === visible.length
      ? `(${state.teams.length})`
      : `(${visible.length} of ${state.teams.length})`,
  );

  if (state.teams.length === 0) {
    fill(
      container,
      h('p', { class: 'empty' }, 'No teams yet. Create one with “New team”: its token is shown once.'),
    );
    return;
  }

  const head = h(
    'tr',
    {},
    COLUMNS.map((col) =>
      h(
        'th',
        {
          scope: 'col',
          class: col.numeric ? 'num' : null,
          'aria-sort': col.key === state.sortKey ? (state.descending ? 'descending' : 'ascending') : null,
        },
        h('button', { type: 'button', class: 'sort', onclick: () => actions.sort(col.key) }, col.label),
      ),
    ),
    h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Actions')),
  );

  const rows = visible.map((team) => teamRow(team, actions));
  fill(
    container,
    h('table', { class: 'data teams stack' }, h('thead', {}, head), h('tbody', {}, rows)),
    visible.length === 0 ? h('p', { class: 'empty' }, 'No team matches the search.') : null,
  );
}

// Missing values sort last whichever way the column is sorted.
function compare(a, b) {
  if (a === b) return 0;
  if (a === null || a === undefined) return 1;
  if (b === null || b === undefined) return -1;
  return a < b ? -1 : 1;
}

function teamRow(team, actions) {
  const status = teamStatus(team);
  const policy = policyText(team);
  const cell = (label, ...content) => h('td', { dataset: { label } }, ...content);
  const numeric = (label, value) => h('td', { class: 'num', dataset: { label } }, formatNumber(value));
  return h(
    'tr',
    { dataset: { teamId: team.id } },
    h(
      'th',
      { scope: 'row', class: 'team-name' },
      h('span', { class: 'name' }, team.name),
      policy ? h('span', { class: 'policy' }, policy) : null,
    ),
    numeric('Quota', team.quota),
    numeric('Used', team.used),
    cell('Remaining', remainingBar(team)),
    cell('Token', h('code', {}, `${team.token_prefix}…`)),
    cell(
      'Last request',
      team.last_request_at
        ? h(
            'time',
            { datetime: team.last_request_at, title: formatDateTime(team.last_request_at) },
            formatRelative(team.last_request_at),
          )
        : h('span', { class: 'muted' }, 'never'),
    ),
    cell('Status', h('span', { class: ['badge', `status-${status}`] }, status)),
    h(
      'td',
      { class: 'actions' },
      h('button', { type: 'button', class: 'small', onclick: () => actions.edit(team) }, 'Edit'),
      h('button', { type: 'button', class: 'small', onclick: () => actions.reset(team) }, 'Reset'),
      h('button', { type: 'button', class: 'small', onclick: () => actions.rotate(team) }, 'Rotate'),
      h('button', { type: 'button', class: 'small danger', onclick: () => actions.remove(team) }, 'Delete'),
    ),
  );
}

function remainingBar(team) {
  const share = team.quota > 0 ? Math.max(0, Math.min(1, team.remaining / team.quota)) : 0;
  const fillBar = h('span', { class: ['bar-fill', share < 0.1 ? 'low' : share < 0.3 ? 'mid' : null] });
  // CSSOM, not a style attribute: allowed under a CSP without 'unsafe-inline'.
  fillBar.style.width = `${(share * 100).toFixed(1)}%`;
  return h(
    'div',
    { class: 'remaining' },
    h('span', { class: 'num' }, formatNumber(team.remaining)),
    h(
      'span',
      {
        class: 'bar',
        role: 'meter',
        'aria-label': 'Share of quota remaining',
        'aria-valuemin': 0,
        'aria-valuemax': 100,
        'aria-valuenow': Math.round(share * 100),
      },
      fillBar,
    ),
  );
}

function policyText(team) {
  const parts = [];
  if (team.period && team.period !== 'none') parts.push(`resets ${team.period}`);
  if (team.models?.length)
    parts.push(team.models.length === 1 ? team.models[0] : `${team.models.length} models`);
  if (team.rpm) parts.push(`${formatNumber(team.rpm)} rpm`);
  if (team.tpm) parts.push(`${formatNumber(team.tpm)} tpm`);
  if (team.expires_at) parts.push(`expires ${formatDateTime(team.expires_at)}`);
  return parts.join(' · ');
}
