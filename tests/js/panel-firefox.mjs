// The admin panel in Firefox: a team's whole life driven through the panel, its token used with
// the openai package, then every page at phone width and in light and dark.
// Env: BASE_URL, ADMIN_PASSWORD, SCREENSHOT_DIR; FIREFOX (/usr/bin/firefox-esr), MODEL (gpt-4o-mini).
// Prints one JSON line: what was seen, for the xunit test to check against the server's books.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { createClient, report, reportError, required } from './client.mjs';
import { DESKTOP, launchFirefox, openPanel, PHONE } from './firefox.mjs';

const baseUrl = required('BASE_URL');
const password = required('ADMIN_PASSWORD');
const screenshots = required('SCREENSHOT_DIR');
const model = process.env.MODEL ?? 'gpt-4o-mini';
const PAGES = ['teams', 'usage', 'logs', 'settings'];
const TOKEN_PATTERN = /^sk-tr-[A-Za-z0-9]{40}$/;

const seen = { screenshots: [], fits: {}, contrast: {} };
const browsers = [];

try {
  await mkdir(screenshots, { recursive: true });
  const light = await launchFirefox('light');
  browsers.push(light);
  seen.browser = await light.version();

  await teamLifecycle(light);
  for (const [scheme, viewport] of [['light', PHONE], ['light', DESKTOP], ['dark', DESKTOP], ['dark', PHONE]]) {
    const browser = scheme === 'light' ? light : await launchFirefox('dark');
    if (browser !== light) browsers.push(browser);
    await everyPage(browser, viewport, scheme);
  }

  report(seen);
} catch (error) {
  reportError(error, seen);
} finally {
  await Promise.all(browsers.map((browser) => browser.close().catch(() => {})));
}

/** Log in (wrong, then right), create, use, see in log and usage, edit, reset, rotate, delete. */
async function teamLifecycle(browser) {
  const panel = await openPanel(browser, baseUrl, DESKTOP, 'light');
  const name = 'firefox-team';

  // A wrong password is refused on the form; the right one opens the teams page.
  await panel.goto('/admin', 'login');
  assert.equal(await panel.isVisible('#default-password-banner'), false, 'banner shown before sign-in');
  await panel.fill('input[name=password]', 'not-the-password');
  await panel.clickButton('Log in');
  await panel.waitForText('main [role=alert]', 'Wrong password. Try again.');
  assert.equal(await panel.isVisible('#topbar'), false, 'the top bar shows without a session');
  seen.wrongPassword = await panel.text('main [role=alert]');
  await panel.fill('input[name=password]', password);
  await panel.clickButton('Log in');
  await panel.waitForPage('teams');

  // Create: the token is shown once, and the row appears.
  await panel.clickButton('New team');
  await panel.fill('dialog[open] input[name=name]', name);
  await panel.fill('dialog[open] input[name=quota]', '100000');
  await panel.clickButton('Create team', 'dialog[open]');
  const token = await readTokenDialog(panel, { copy: true });
  seen.screenshots.push(await panel.screenshot(screenshots, 'team-created'));
  const teamId = await panel.page.$$eval('tr[data-team-id]', (rows, wanted) => {
    const row = rows.find((r) => r.querySelector('.team-name .name')?.textContent === wanted);
    return row ? Number(row.dataset.teamId) : null;
  }, name);
  assert.ok(teamId, `no row for ${name}`);
  seen.teamId = teamId;
  seen.tokenPrefix = token.slice(0, 10);
  const row = `tr[data-team-id='${teamId}']`;
  await panel.waitForText(`${row} [data-label=Quota]`, '100,000');
  await panel.waitForText(`${row} [data-label=Token]`, `${token.slice(0, 10)}…`);
  await panel.waitForText(`${row} [data-label=Status]`, 'enabled');

  // Use: the token works with the official npm package through the router.
  const { data, response } = await createClient(token)
    .chat.completions.create({ model, messages: [{ role: 'user', content: 'Hello' }] })
    .withResponse();
  seen.requestId = response.headers.get('x-request-id');
  seen.totalTokens = data.usage.total_tokens;
  const tokens = String(data.usage.total_tokens);
  await panel.clickButton('Refresh');
  await panel.waitForText(`${row} [data-label=Used]`, tokens);

  // The request in the log page, and in the usage chart for all teams and for this one.
  await panel.show('logs');
  const logRow = `tr[data-request-id='${seen.requestId}']`;
  await panel.waitForText(`${logRow} [data-label=Team]`, name);
  await panel.waitForText(`${logRow} [data-label=Tokens]`, tokens);
  assert.match(await panel.text(`${logRow} [data-label=Model]`), new RegExp(model, 'i'));
  assert.match(await panel.text(`${logRow} [data-label=Status]`), /200/);
  seen.screenshots.push(await panel.screenshot(screenshots, 'log-request'));

  await panel.show('usage');
  await panel.waitForCount(`svg.chart rect.column[data-tokens='${tokens}']`, 1);
  await panel.page.select('select[aria-label=Team]', String(teamId));
  await panel.waitForText('main h2', `Tokens over time · ${name}`);
  await panel.waitForCount(`svg.chart rect.column[data-tokens='${tokens}']`, 1);
  await panel.waitForText('.card .card-value', tokens);
  seen.screenshots.push(await panel.screenshot(screenshots, 'usage-one-team'));

  // Edit name and quota.
  await panel.show('teams');
  await panel.clickButton('Edit', row);
  await panel.fill('dialog[open] input[name=name]', `${name}-2`);
  await panel.fill('dialog[open] input[name=quota]', '250000');
  await panel.clickButton('Save changes', 'dialog[open]');
  await panel.waitForCount('dialog[open]', 0);
  await panel.waitForText(`${row} .team-name .name`, `${name}-2`);
  await panel.waitForText(`${row} [data-label=Quota]`, '250,000');

  // Reset usage.
  await panel.clickButton('Reset', row);
  await panel.clickButton('Reset usage', 'dialog[open]');
  await panel.waitForText(`${row} [data-label=Used]`, '0');

  // Rotate: a new token, shown once; the old one stops working at once.
  await panel.clickButton('Rotate', row);
  await panel.clickButton('Rotate token', 'dialog[open]');
  const rotated = await readTokenDialog(panel);
  assert.notEqual(rotated, token);
  await panel.waitForText(`${row} [data-label=Token]`, `${rotated.slice(0, 10)}…`);
  seen.oldTokenStatus = await chatStatus(token);
  seen.newTokenStatus = await chatStatus(rotated);

  // Delete, after a confirmation naming the team.
  await panel.clickButton('Delete', row);
  assert.match(await panel.text('dialog[open]'), new RegExp(`${name}-2`));
  await panel.clickButton('Delete team', 'dialog[open]');
  await panel.waitForCount(row, 0);
  seen.deleted = true;

  assert.deepEqual(panel.problems, []);
  await panel.close();
}

/** Reads the token from its one-time dialog, checks the warning, copies it if asked, and closes it. */
async function readTokenDialog(panel, { copy = false } = {}) {
  await panel.page.waitForSelector('dialog[open] .token-value');
  assert.match(await panel.text('dialog[open]'), /you will not see it again/);
  const token = await panel.page.$eval('dialog[open] .token-value', (field) => field.value);
  assert.match(token, TOKEN_PATTERN);
  // The whole token is in view: nothing of it is scrolled away, across or down.
  const hidden = await panel.page.$eval('dialog[open] .token-value', (field) =>
    Math.max(field.scrollWidth - field.clientWidth, field.scrollHeight - field.clientHeight),
  );
  assert.ok(hidden <= 0, `${hidden} px of the token are out of view`);
  if (copy) {
    // Firefox lets a page write the clipboard on a click; reading it back would need a prompt.
    await panel.clickButton('Copy', 'dialog[open]');
    await panel.waitForText('dialog[open] .copy-status', 'Copied to the clipboard.');
    seen.copied = true;
  }
  await panel.clickButton('Done', 'dialog[open]');
  await panel.waitForCount('dialog[open]', 0);
  return token;
}

/** The HTTP status a chat request with `token` gets: 200, or the SDK error's status. */
async function chatStatus(token) {
  try {
    await createClient(token).chat.completions.create({ model, messages: [{ role: 'user', content: 'Hi' }] });
    return 200;
  } catch (error) {
    if (error?.status === undefined) throw error;
    return error.status;
  }
}

/** The login form and every page: each fits the window's width, its text is readable, and it is screenshotted. */
async function everyPage(browser, viewport, scheme) {
  const panel = await openPanel(browser, baseUrl, viewport, scheme);
  const look = `${viewport.name}-${scheme}`;
  await panel.goto('/admin', 'login');
  await check(panel, look, 'login');
  await panel.fill('input[name=password]', password);
  await panel.clickButton('Log in');
  await panel.waitForPage('teams');
  for (const page of PAGES) {
    if (page !== 'teams') await panel.show(page);
    await check(panel, look, page);
  }
  assert.deepEqual(panel.problems, []);
  await panel.close();
}

async function check(panel, look, page) {
  // The usage chart is drawn after its data arrives; give it its columns before measuring.
  if (page === 'usage') await panel.page.waitForSelector('svg.chart');
  const fits = await panel.fitsWidth();
  const contrast = await panel.contrast();
  (seen.fits[look] ??= {})[page] = fits;
  (seen.contrast[look] ??= {})[page] = contrast;
  seen.screenshots.push(await panel.screenshot(screenshots, page));
  assert.ok(fits, `The ${page} page is wider than the ${look} window.`);
}
