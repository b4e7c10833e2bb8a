// Numbers, dates and sizes as the admin reads them, in the browser's own locale and time zone.

const integer = new Intl.NumberFormat();
const compact = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 });
const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const shortDateTime = new Intl.DateTimeFormat(undefined, {
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

export const DASH = '—';

export function formatNumber(value) {
  return value === null || value === undefined ? DASH : integer.format(value);
}

export function formatCompact(value) {
  return compact.format(value);
}

export function formatDateTime(iso) {
  return iso ? dateTime.format(new Date(iso)) : DASH;
}

export function formatShortDateTime(iso) {
  return iso ? shortDateTime.format(new Date(iso)) : DASH;
}

/** "3 minutes ago", "in 2 days"; the exact time belongs in a title beside it. */
export function formatRelative(iso, now = Date.now()) {
  if (!iso) return DASH;
  const seconds = Math.round((Date.parse(iso) - now) / 1000);
  const units = [
    ['year', 31536000],
    ['month', 2592000],
    ['day', 86400],
    ['hour', 3600],
    ['minute', 60],
  ];
  for (const [unit, size] of units) {
    if (Math.abs(seconds) >= size) return relative.format(Math.trunc(seconds / size), unit);
  }
  return relative.format(seconds, 'second');
}

export function formatBytes(bytes) {
  if (bytes === null || bytes === undefined) return DASH;
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${integer.format(value)} bytes` : `${value.toFixed(1)} ${units[unit]}`;
}

export function formatMilliseconds(ms) {
  if (ms === null || ms === undefined) return DASH;
  return ms < 1000 ? `${integer.format(ms)} ms` : `${(ms / 1000).toFixed(ms < 10000 ? 2 : 1)} s`;
}

/** An uptime as "2 d 3 h 4 min". */
export function formatUptime(totalSeconds) {
  const seconds = Math.max(0, Math.floor(totalSeconds ?? 0));
  const parts = [
    [Math.floor(seconds / 86400), 'd'],
    [Math.floor(seconds / 3600) % 24, 'h'],
    [Math.floor(seconds / 60) % 60, 'min'],
  ].filter(([value]) => value > 0);
  return parts.length === 0 ? `${seconds} s` : parts.map(([value, unit]) => `${value} ${unit}`).join(' ');
}

/** An ISO instant as the value of an <input type="datetime-local">, in local time. */
export function toLocalInput(iso) {
  if (!iso) return '';
  const date = new Date(iso);
  const pad = (n) => String(n).padStart(2, '0');
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}`
  );
}

/** The value of an <input type="datetime-local"> as an ISO instant, or null when empty. */
export function fromLocalInput(value) {
  if (!value) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}
