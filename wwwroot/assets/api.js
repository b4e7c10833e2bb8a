// The admin API, as the panel uses it. Every state-changing call carries the antiforgery
// token from GET /admin/api/session in X-CSRF-TOKEN; errors come back as ApiError with the
// server's own message, which the pages show as it is.

let csrfToken = null;
let onUnauthorized = () => {};

export class ApiError extends Error {
  constructor(status, message, { param = null, code = null, retryAfter = null } = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.param = param;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

/** Called when a call is refused for want of a session (it expired, or someone logged out). */
export function whenUnauthorized(callback) {
  onUnauthorized = callback;
}

async function call(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['X-CSRF-TOKEN'] = csrfToken;

  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch (error) {
    throw new ApiError(0, `The server cannot be reached (${error.message}).`);
  }

  const text = response.status === 204 ? '' : await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }

  if (!response.ok) {
    const error = data?.error;
    const retryAfter = Number.parseInt(response.headers.get('Retry-After') ?? '', 10);
    const apiError = new ApiError(
      response.status,
      error?.message || `The server answered ${response.status} ${response.statusText}.`.replace(' .', '.'),
      {
        param: error?.param ?? null,
        code: error?.code ?? null,
        retryAfter: Number.isNaN(retryAfter) ? null : retryAfter,
      },
    );
    if (response.status === 401 && path !== '/admin/api/login') onUnauthorized(apiError);
    throw apiError;
  }
  return data;
}

function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== '') search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

/** Reads the session and keeps its CSRF token for the calls that follow. */
export async function getSession() {
  const session = await call('GET', '/admin/api/session');
  csrfToken = session?.csrf_token ?? null;
  return session;
}

export const login = (password) => call('POST', '/admin/api/login', { password });
export const logout = () => call('POST', '/admin/api/logout');

export const listTeams = async () => (await call('GET', '/admin/api/teams')).data;
export const createTeam = (team) => call('POST', '/admin/api/teams', team);
export const updateTeam = (id, changes) =>
  call('PATCH', `/admin/api/teams/${encodeURIComponent(id)}`, changes);
export const deleteTeam = (id) => call('DELETE', `/admin/api/teams/${encodeURIComponent(id)}`);
export const resetTeam = (id) => call('POST', `/admin/api/teams/${encodeURIComponent(id)}/reset`);
export const rotateToken = (id) => call('POST', `/admin/api/teams/${encodeURIComponent(id)}/rotate`);

export const getLogs = (filters) => call('GET', `/admin/api/logs${query(filters)}`);
/** The CSV of the same filtered rows, for a plain download link (the cookie goes along). */
export const logsCsvUrl = (filters) => `/admin/api/logs.csv${query(filters)}`;

export const getUsage = (params) => call('GET', `/admin/api/usage${query(params)}`);
export const getSettings = () => call('GET', '/admin/api/settings');
