// A bar chart of tokens over time, drawn as SVG. Bars sit on a real time axis, so hours or
// days with no requests are simply empty and no bucket boundary has to be guessed.

import { svg } from './dom.js';
import { formatCompact, formatNumber } from './format.js';

const MARGIN = { top: 12, right: 12, bottom: 28, left: 52 };
const HEIGHT = 260;
const DAY = 86400000;

/**
 * Draws series [{start, total_tokens, requests}] between from and to (ms) into container,
 * at the container's width. bucketMs is the width of one bar's time slot.
 */
export function drawTokenChart(container, { series, from, to, bucketMs, label }) {
  const width = Math.max(280, Math.floor(container.clientWidth || 640));
  const plotWidth = width - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const peak = series.reduce((highest, point) => Math.max(highest, point.total_tokens), 0);
  const step = niceStep(peak / 5);
  const max = step * Math.max(1, Math.ceil(peak / step));
  const x = (time) => MARGIN.left + ((time - from) / (to - from)) * plotWidth;
  const y = (tokens) => MARGIN.top + plotHeight - (tokens / max) * plotHeight;
  const total = series.reduce((sum, point) => sum + point.total_tokens, 0);
  const requests = series.reduce((sum, point) => sum + point.requests, 0);

  const chart = svg('svg', {
    class: 'chart',
    width,
    height: HEIGHT,
    viewBox: `0 0 ${width} ${HEIGHT}`,
    role: 'img',
    'aria-label':
      `${label}: ${formatNumber(total)} tokens in ${formatNumber(requests)} ` +
      (requests === 1 ? 'request' : 'requests'),
  });

  // Horizontal grid and token labels, at round numbers.
  for (let tokens = 0; tokens <= max; tokens += step) {
    chart.append(
      svg('line', { class: 'grid', x1: MARGIN.left, x2: width - MARGIN.right, y1: y(tokens), y2: y(tokens) }),
      svg(
        'text',
        { class: 'axis', x: MARGIN.left - 6, y: y(tokens) + 4, 'text-anchor': 'end' },
        formatCompact(tokens),
      ),
    );
  }

  // Time labels at local hour boundaries for a day or two, else at local midnights.
  const hourly = bucketMs < DAY;
  const byHour = to - from <= 2 * DAY;
  const ticks = localBoundaries(from, to, byHour);
  const every = Math.ceil(ticks.length / Math.max(1, Math.floor(plotWidth / 80)));
  const timeLabel = new Intl.DateTimeFormat(
    undefined,
    byHour ? { hour: '2-digit', minute: '2-digit' } : { month: 'short', day: 'numeric' },
  );
  ticks.forEach((tick, index) => {
    if (index % every !== 0) return;
    chart.append(
      svg('line', {
        class: 'tick',
        x1: x(tick),
        x2: x(tick),
        y1: MARGIN.top + plotHeight,
        y2: MARGIN.top + plotHeight + 4,
      }),
      svg(
        'text',
        { class: 'axis', x: x(tick), y: HEIGHT - 8, 'text-anchor': 'middle' },
        timeLabel.format(new Date(tick)),
      ),
    );
  });

  // One bar per bucket with usage; its title is the tooltip and what a screen reader reads.
  const slot = Math.max(2, (bucketMs / (to - from)) * plotWidth);
  const detail = new Intl.DateTimeFormat(
    undefined,
    hourly ? { dateStyle: 'medium', timeStyle: 'short' } : { dateStyle: 'medium' },
  );
  // Empty buckets (the server may send them) draw nothing.
  for (const point of series.filter((bucket) => bucket.total_tokens > 0)) {
    const start = Date.parse(point.start);
    const top = y(point.total_tokens);
    chart.append(
      svg(
        'rect',
        {
          class: 'column',
          x: x(start) + slot * 0.1,
          y: top,
          width: Math.max(1, slot * 0.8),
          height: Math.max(1, MARGIN.top + plotHeight - top),
          dataset: { tokens: point.total_tokens },
        },
        svg(
          'title',
          {},
          `${detail.format(new Date(start))}: ${formatNumber(point.total_tokens)} tokens, ` +
            `${formatNumber(point.requests)} ${point.requests === 1 ? 'request' : 'requests'}`,
        ),
      ),
    );
  }

  chart.append(
    svg('line', {
      class: 'baseline',
      x1: MARGIN.left,
      x2: width - MARGIN.right,
      y1: MARGIN.top + plotHeight,
      y2: MARGIN.top + plotHeight,
    }),
  );
  container.replaceChildren(chart);
}

function localBoundaries(from, to, hourly) {
  const date = new Date(from);
  if (hourly) date.setMinutes(60, 0, 0);
  else date.setHours(24, 0, 0, 0);
  const ticks = [];
  while (date.getTime() <= to) {
    ticks.push(date.getTime());
    if (hourly) date.setHours(date.getHours() + 1);
    else date.setDate(date.getDate() + 1);
  }
  return ticks;
}

// 1, 2, 2.5 or 5 times a power of ten, at least the value (and at least 1 token).
function niceStep(value) {
  if (value <= 1) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 2.5, 5, 10].find((candidate) => candidate * power >= value) * power;
}
