// Usage: token totals, a chart of tokens over time and the split by model (and by team),
// for all teams or one. The server aggregates in SQL; the page only draws.

import { getUsage, listTeams } from '../api.js';
import { drawTokenChart } from '../chart.js';
import { fill, h } from '../dom.js';
import { formatNumber } from '../format.js';

const HOUR = 3600000;
const DAY = 24 * HOUR;
const RANGES = {
  '24h': { label: 'Last 24 hours, by hour', span: DAY, bucket: 'hour' },
  '7d': { label: 'Last 7 days, by hour', span: 7 * DAY, bucket: 'hour' },
  '30d': { label: 'Last 30 days, by day', span: 30 * DAY, bucket: 'day' },
  '90d': { label: 'Last 90 days, by day', span: 90 * DAY, bucket: 'day' },
};
const DEFAULT_RANGE = '7d';

export async function renderUsage(main, { signal }) {
  const params = new URLSearchParams(window.location.search);
  const teams = await listTeams();
  const teamSelect = h(
    'select',
    { 'aria-label': 'Team' },
    h('option', { value: '' }, 'All teams'),
    [...teams]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((team) =>
        h('option', { value: team.id, selected: String(team.id) === params.get('team_id') }, team.name),
      ),
  );
  const rangeSelect = h(
    'select',
    { 'aria-label': 'Time range' },
    Object.entries(RANGES).map(([value, range]) =>
      h('option', { value, selected: value === (params.get('range') ?? DEFAULT_RANGE) }, range.label),
    ),
  );

  const totals = h('div', { class: 'cards' });
  const chartBox = h('div', { class: 'chart-box' });
  const chartNote = h('p', { class: 'empty', hidden: true }, 'No requests in this period.');
  const chartTitle = h('h2', {});
  const models = h('div', { class: 'table-wrap' });
  const byTeam = h('div', { class: 'table-wrap' });
  const byTeamSection = h('section', { class: 'panel' }, h('h2', {}, 'By team'), byTeam);

  main.append(
    h(
      'div',
      { class: 'page-head' },
      h('h1', {}, 'Usage'),
      h('div', { class: 'toolbar' }, teamSelect, rangeSelect),
    ),
    totals,
    h('section', { class: 'panel' }, chartTitle, chartBox, chartNote),
    h(
      'section',
      { class: 'panel' },
      h('h2', {}, 'By model'),
      h('p', { class: 'muted' }, 'Requests sent to the provider; refused requests are not counted here.'),
      models,
    ),
    byTeamSection,
  );

  let drawn = null;
  const redraw = () => {
    if (drawn) drawTokenChart(chartBox, drawn);
  };
  const observer = new ResizeObserver(() => requestAnimationFrame(redraw));
  observer.observe(chartBox);
  signal.addEventListener('abort', () => observer.disconnect());

  // Only the answer to the latest choice is drawn, whatever order the answers arrive in.
  let latest = 0;
  const load = async () => {
    const ticket = ++latest;
    const range = RANGES[rangeSelect.value] ?? RANGES[DEFAULT_RANGE];
    const teamId = teamSelect.value;
    const scope = teamId ? teamSelect.selectedOptions[0].textContent : 'all teams';
    const bucketMs = range.bucket === 'hour' ? HOUR : DAY;
    const now = Date.now();
    const from = startOfBucket(now - range.span, range.bucket);
    const to = startOfBucket(now, range.bucket) + bucketMs;

    const query = new URLSearchParams({ range: rangeSelect.value });
    if (teamId) query.set('team_id', teamId);
    window.history.replaceState(null, '', `?${query}`);

    const usage = await getUsage({
      team_id: teamId,
      bucket: range.bucket,
      from: new Date(from).toISOString(),
      to: new Date(now).toISOString(),
    });
    if (signal.aborted || ticket !== latest) return;

    fill(
      totals,
      card('Today', usage.totals.today, scope),
      card('Last 7 days', usage.totals.last_7_days, scope),
      card('Last 30 days', usage.totals.last_30_days, scope),
    );
    fill(chartTitle, `Tokens over time · ${scope}`);
    drawn = { series: usage.series, from, to, bucketMs, label: `Tokens over time for ${scope}` };
    redraw();
    chartNote.hidden = usage.series.some((bucket) => bucket.total_tokens > 0);
    drawBreakdown(
      models,
      'Model',
      usage.by_model.map((row) => ({ ...row, label: row.model })),
    );
    // One team's page has nothing to split by team.
    byTeamSection.hidden = Boolean(teamId);
    drawBreakdown(
      byTeam,
      'Team',
      (usage.by_team ?? []).map((row) => ({
        ...row,
        label: row.team_deleted ? `${row.team_name ?? `#${row.team_id}`} (deleted)` : row.team_name,
      })),
    );
  };

  const reload = () =>
    load().catch((error) => fill(chartBox, h('p', { class: 'error', role: 'alert' }, error.message)));
  teamSelect.addEventListener('change', reload);
  rangeSelect.addEventListener('change', reload);
  await load();
}

function startOfBucket(time, bucket) {
  const date = new Date(time);
  if (bucket === 'hour') date.setMinutes(0, 0, 0);
  else date.setHours(0, 0, 0, 0);
  return date.getTime();
}

function card(title, tokens, scope) {
  return h(
    'div',
    { class: 'card' },
    h('span', { class: 'card-title' }, title),
    h('span', { class: 'card-value' }, formatNumber(tokens)),
    h('span', { class: 'card-note' }, `tokens · ${scope}`),
  );
}

/** A table of rows {label, total_tokens, requests}, largest first, with each one's share of the tokens. */
function drawBreakdown(container, heading, rows) {
  if (rows.length === 0) {
    fill(container, h('p', { class: 'empty' }, 'No requests in this period.'));
    return;
  }

  const total = rows.reduce((sum, row) => sum + row.total_tokens, 0);
  const body = [...rows]
    .sort((a, b) => b.total_tokens - a.total_tokens)
    .map((row) => {
      const share = total > 0 ? row.total_tokens / total : 0;
      const bar = h('span', { class: 'bar-fill' });
      bar.style.width = `${(share * 100).toFixed(1)}%`;
      return h(
        'tr',
        {},
        h('th', { scope: 'row', dataset: { label: heading } }, row.label),
        h('td', { class: 'num', dataset: { label: 'Tokens' } }, formatNumber(row.total_tokens)),
        h('td', { class: 'num', dataset: { label: 'Requests' } }, formatNumber(row.requests)),
        h(
          'td',
          { class: 'share', dataset: { label: 'Share' } },
          h('span', { class: 'bar' }, bar),
          h('span', { class: 'num' }, `${(share * 100).toFixed(1)} %`),
        ),
      );
    });
  fill(
    container,
    h(
      'table',
      { class: 'data stack' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, heading),
          h('th', { scope: 'col', class: 'num' }, 'Tokens'),
          h('th', { scope: 'col', class: 'num' }, 'Requests'),
          h('th', { scope: 'col' }, 'Share'),
        ),
      ),
      h('tbody', {}, body),
    ),
  );
}
