// The request log: newest first, a page at a time, filtered by team, model, status and
// time. The filters live in the address, so a filtered view can be reloaded or shared,
// and the CSV export downloads exactly the filtered rows.

import { getLogs, getSettings, listTeams, logsCsvUrl } from '../api.js';
import { fill, field, h } from '../dom.js';
import { formatDateTime, formatMilliseconds, formatNumber, fromLocalInput, toLocalInput } from '../format.js';

const PAGE_SIZE = 50;
const FILTERS = ['team_id', 'model', 'status', 'from', 'to'];

export async function renderLogs(main, { signal }) {
  const [teams, settings] = await Promise.all([listTeams(), getSettings()]);
  const filters = readFilters();

  const inputs = {
    team_id: h(
      'select',
      { name: 'team_id' },
      h('option', { value: '' }, 'All teams'),
      [...teams]
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((team) =>
          h('option', { value: team.id, selected: String(team.id) === filters.team_id }, team.name),
        ),
    ),
    model: h('input', {
      name: 'model',
      type: 'text',
      list: 'log-models',
      value: filters.model,
      autocomplete: 'off',
      placeholder: 'Any',
    }),
    status: h('input', {
      name: 'status',
      type: 'number',
      min: 100,
      max: 599,
      value: filters.status,
      placeholder: 'Any',
      inputmode: 'numeric',
    }),
    from: h('input', { name: 'from', type: 'datetime-local', value: toLocalInput(filters.from) }),
    to: h('input', { name: 'to', type: 'datetime-local', value: toLocalInput(filters.to) }),
  };
  const models = h(
    'datalist',
    { id: 'log-models' },
    (settings.allowed_models ?? []).map((model) => h('option', { value: model })),
  );
  const clear = h('button', { type: 'button', class: 'secondary' }, 'Clear');
  const csv = h('a', { class: 'button secondary', download: 'tokenrouter-requests.csv' }, 'Export CSV');
  const form = h(
    'form',
    { class: 'filters' },
    field('Team', inputs.team_id),
    field('Model', inputs.model),
    field('Status', inputs.status),
    field('From', inputs.from),
    field('To', inputs.to),
    h(
      'div',
      { class: 'filter-actions' },
      h('button', { type: 'submit', class: 'primary' }, 'Apply'),
      clear,
      csv,
    ),
    models,
  );

  const summary = h('p', { class: 'muted', role: 'status' });
  const table = h('div', { class: 'table-wrap' });
  const newer = h('button', { type: 'button', class: 'secondary' }, '← Newer');
  const older = h('button', { type: 'button', class: 'secondary' }, 'Older →');
  main.append(
    h('div', { class: 'page-head' }, h('h1', {}, 'Request log')),
    form,
    summary,
    table,
    h('div', { class: 'pager' }, newer, older),
  );

  // Only the answer to the latest request is drawn, whatever order the answers arrive in.
  let latest = 0;
  const load = async (offset) => {
    const ticket = ++latest;
    filters.offset = Math.max(0, offset);
    writeAddress(filters);
    csv.href = logsCsvUrl(pick(filters, FILTERS));
    const page = await getLogs({ ...pick(filters, FILTERS), limit: PAGE_SIZE, offset: filters.offset });
    if (signal.aborted || ticket !== latest) return;

    const first = page.total === 0 ? 0 : filters.offset + 1;
    const last = filters.offset + page.data.length;
    fill(
      summary,
      page.total === 0
        ? 'No requests match.'
        : `Requests ${formatNumber(first)}–${formatNumber(last)} of ${formatNumber(page.total)}, ` +
            'newest first.',
    );
    newer.disabled = filters.offset === 0;
    older.disabled = last >= page.total;
    drawRows(table, page.data);
  };
  const show = (offset) =>
    load(offset).catch((error) => fill(table, h('p', { class: 'error', role: 'alert' }, error.message)));

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    filters.team_id = inputs.team_id.value;
    filters.model = inputs.model.value.trim();
    filters.status = inputs.status.value.trim();
    filters.from = fromLocalInput(inputs.from.value) ?? '';
    filters.to = fromLocalInput(inputs.to.value) ?? '';
    show(0);
  });
  clear.addEventListener('click', () => {
    for (const key of FILTERS) {
      filters[key] = '';
      inputs[key].value = '';
    }
    show(0);
  });
  newer.addEventListener('click', () => show(filters.offset - PAGE_SIZE));
  older.addEventListener('click', () => show(filters.offset + PAGE_SIZE));

  await load(filters.offset);
}

function readFilters() {
  const params = new URLSearchParams(window.location.search);
  const filters = Object.fromEntries(FILTERS.map((key) => [key, params.get(key) ?? '']));
  filters.offset = Math.max(0, Number.parseInt(params.get('offset') ?? '0', 10) || 0);
  return filters;
}

function writeAddress(filters) {
  const params = new URLSearchParams();
  for (const key of [...FILTERS, 'offset']) {
    if (filters[key]) params.set(key, filters[key]);
  }
  const search = params.toString();
  window.history.replaceState(null, '', search ? `?${search}` : window.location.pathname);
}

function pick(source, keys) {
  return Object.fromEntries(keys.map((key) => [key, source[key]]));
}

function drawRows(container, rows) {
  if (rows.length === 0) {
    fill(container);
    return;
  }

  const head = h(
    'tr',
    {},
    ['Time', 'Team', 'Model', 'Stream', 'Status', 'Tokens', 'Duration', 'End user', 'Request id'].map(
      (label, index) => h('th', { scope: 'col', class: index === 5 || index === 6 ? 'num' : null }, label),
    ),
  );
  fill(
    container,
    h('table', { class: 'data logs stack' }, h('thead', {}, head), h('tbody', {}, rows.map(logRow))),
  );
}

function logRow(row) {
  const outcome = row.status >= 500 || row.status === 499 ? 'bad' : row.status >= 400 ? 'warn' : 'ok';
  const tokens =
    `Prompt ${formatNumber(row.prompt_tokens)}, completion ${formatNumber(row.completion_tokens)}, ` +
    `cached ${formatNumber(row.cached_tokens)}, reasoning ${formatNumber(row.reasoning_tokens)}` +
    (row.estimated ? ' (estimated: the provider reported no usage)' : '');
  const cell = (label, props, ...content) => h('td', { ...props, dataset: { label } }, ...content);
  return h(
    'tr',
    { dataset: { requestId: row.request_id } },
    cell(
      'Time',
      { class: 'nowrap' },
      h('time', { datetime: row.started_at }, formatDateTime(row.started_at)),
    ),
    cell('Team', {}, row.team_name ?? h('span', { class: 'muted' }, `#${row.team_id} (deleted)`)),
    cell('Model', {}, h('span', {}, row.model, h('span', { class: 'sub' }, row.endpoint))),
    cell('Stream', {}, row.stream ? 'stream' : h('span', { class: 'muted' }, 'no')),
    cell(
      'Status',
      {},
      h(
        'span',
        {},
        h('span', { class: ['badge', `outcome-${outcome}`] }, String(row.status)),
        row.error_type ? h('span', { class: 'sub' }, row.error_type) : null,
      ),
    ),
    cell(
      'Tokens',
      { class: 'num', title: tokens },
      `${row.estimated ? '≈ ' : ''}${formatNumber(row.total_tokens)}`,
    ),
    cell('Duration', { class: 'num nowrap' }, formatMilliseconds(row.duration_ms)),
    cell('End user', { class: 'end-user' }, row.end_user ?? h('span', { class: 'muted' }, '—')),
    cell('Request id', {}, h('code', { class: 'request-id' }, row.request_id)),
  );
}
