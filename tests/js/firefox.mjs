// Debian's Firefox ESR driven by puppeteer-core over WebDriver BiDi, and a panel tab that
// watches for what must never happen. Nothing is downloaded: the system brings the browser.
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';

const TIMEOUT_MS = 30000;

export const DESKTOP = { name: 'desktop', width: 1366, height: 860 };
export const PHONE = { name: 'phone', width: 390, height: 844 };

/**
 * Starts a headless Firefox whose pages see prefers-color-scheme as `scheme` ('light' or 'dark').
 * BiDi has no colour-scheme emulation in this puppeteer, so the scheme is Firefox's own setting.
 */
export function launchFirefox(scheme) {
  return puppeteer.launch({
    browser: 'firefox',
    executablePath: process.env.FIREFOX ?? '/usr/bin/firefox-esr',
    headless: true,
    protocolTimeout: 120000,
    extraPrefsFirefox: {
      // 0 dark, 1 light: what web content is told, whatever the (absent) desktop theme says.
      'layout.css.prefers-color-scheme.content-override': scheme === 'dark' ? 0 : 1,
    },
  });
}

/** A tab in a fresh context (its own cookies) of `browser`, at `viewport`, on the router at `baseUrl`. */
export async function openPanel(browser, baseUrl, viewport, scheme) {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT_MS);
  await page.setViewport({ width: viewport.width, height: viewport.height });
  const panel = new Panel(context, page, baseUrl, viewport, scheme);
  await panel.watch();
  return panel;
}

export class Panel {
  constructor(context, page, baseUrl, viewport, scheme) {
    this.context = context;
    this.page = page;
    this.origin = new URL(baseUrl).origin;
    this.viewport = viewport;
    this.scheme = scheme;
    this.problems = [];
  }

  /** Records JavaScript dialogs (dismissed), script errors, CSP violations and requests to other hosts. */
  async watch() {
    this.page.on('dialog', async (dialog) => {
      this.problems.push(`dialog: ${dialog.message()}`);
      await dialog.dismiss().catch(() => {});
    });
    this.page.on('pageerror', (error) => this.problems.push(`script error: ${error.message}`));
    this.page.on('console', (message) => {
      if (message.text().startsWith('CSP violation')) this.problems.push(message.text());
    });
    this.page.on('request', (request) => {
      const url = request.url();
      if (!url.startsWith(`${this.origin}/`)) this.problems.push(`request to another host: ${url}`);
    });
    // Firefox reports CSP refusals to its own console only; the page event reaches every browser.
    await this.page.evaluateOnNewDocument(() => {
      document.addEventListener('securitypolicyviolation', (event) =>
        console.error(`CSP violation: ${event.violatedDirective} ${event.blockedURI}`),
      );
    });
  }

  /** Opens a panel address and waits until the named page is drawn. */
  async goto(path, pageName) {
    await this.page.goto(`${this.origin}${path}`);
    await this.waitForPage(pageName);
  }

  /** Waits until `main` shows the named page (teams, usage, logs, settings, login) and is no longer busy. */
  waitForPage(pageName) {
    return this.page.waitForSelector(`main[data-page='${pageName}']:not([aria-busy])`);
  }

  /** Goes to another page through the navigation bar. */
  async show(pageName) {
    await this.page.click(`nav a[data-page='${pageName}']`);
    await this.waitForPage(pageName);
  }

  /** Types into the form control matched by `selector`, replacing what it held. */
  async fill(selector, value) {
    await this.page.locator(selector).fill(value);
  }

  /** Clicks the visible, enabled button inside `scope` whose text is exactly `name`. */
  async clickButton(name, scope = 'body') {
    const handle = await this.page.waitForFunction(
      (scopeSelector, text) =>
        [...document.querySelectorAll(`${scopeSelector} button`)].find(
          (button) => button.textContent.trim() === text && !button.disabled && button.checkVisibility(),
        ),
      {},
      scope,
      name,
    );
    await handle.asElement().click();
  }

  /** Waits until the first element matching `selector` has exactly `expected` as its trimmed text. */
  async waitForText(selector, expected) {
    try {
      await this.page.waitForFunction(
        (sel, text) => document.querySelector(sel)?.textContent.trim() === text,
        {},
        selector,
        expected,
      );
    } catch (error) {
      const actual = await this.page.$eval(selector, (e) => e.textContent.trim()).catch(() => '(no such element)');
      throw new Error(`${selector}: wanted "${expected}", found "${actual}" (${error.message})`);
    }
  }

  /** Waits until exactly `count` elements match `selector`. */
  async waitForCount(selector, count) {
    try {
      await this.page.waitForFunction((sel, n) => document.querySelectorAll(sel).length === n, {}, selector, count);
    } catch (error) {
      const actual = await this.page.$$eval(selector, (all) => all.length);
      throw new Error(`${selector}: wanted ${count} elements, found ${actual} (${error.message})`);
    }
  }

  /** The text of the first element matching `selector`, trimmed. */
  text(selector) {
    return this.page.$eval(selector, (element) => element.textContent.trim());
  }

  /** Whether the element matching `selector` is shown. */
  isVisible(selector) {
    return this.page.$eval(selector, (element) => element.checkVisibility());
  }

  /** True when nothing sticks out sideways: the page fits the window's width. */
  fitsWidth() {
    return this.page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
  }

  /** Saves firefox-NAME-VIEWPORT[-dark].png in `directory`: the whole page, or the window while a dialog is open. */
  async screenshot(directory, name) {
    const suffix = this.scheme === 'dark' ? '-dark' : '';
    const path = join(directory, `firefox-${name}-${this.viewport.name}${suffix}.png`);
    const dialogOpen = (await this.page.$('dialog[open]')) !== null;
    await this.page.screenshot({ path, fullPage: !dialogOpen });
    return path;
  }

  /** The colour contrast of the page's text against what lies behind it: see measureContrast. */
  async contrast() {
    // As a JSON string: BiDi hands an object met twice in a result back as null the second time.
    return JSON.parse(await this.page.evaluate(measureContrast));
  }

  close() {
    return this.context.close();
  }
}

/**
 * Runs in the page. For the body and every visible element holding text of its own, the WCAG
 * contrast ratio of its colour against its background (the backgrounds of its ancestors laid
 * over one another until an opaque one). Colours are read back through a canvas, so any CSS
 * colour syntax the browser computes is understood. Disabled controls are left out, as WCAG does.
 */
function measureContrast() {
  const canvas = document.createElement('canvas');
  canvas.width = 1;
  canvas.height = 1;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  const rgba = (css) => {
    ctx.clearRect(0, 0, 1, 1);
    ctx.fillStyle = css;
    ctx.fillRect(0, 0, 1, 1);
    const [r, g, b, a] = ctx.getImageData(0, 0, 1, 1).data;
    return { r, g, b, a: a / 255 };
  };
  const over = (top, below) => ({
    r: top.r * top.a + below.r * (1 - top.a),
    g: top.g * top.a + below.g * (1 - top.a),
    b: top.b * top.a + below.b * (1 - top.a),
    a: 1,
  });
  const background = (element) => {
    const layers = [];
    for (let node = element; node; node = node.parentElement) {
      const layer = rgba(getComputedStyle(node).backgroundColor);
      if (layer.a > 0) layers.push(layer);
      if (layer.a === 1) break;
    }
    // Nothing opaque up to the root: the canvas shows through (white, or black in a dark scheme).
    const dark = matchMedia('(prefers-color-scheme: dark)').matches;
    let colour = dark ? { r: 0, g: 0, b: 0, a: 1 } : { r: 255, g: 255, b: 255, a: 1 };
    for (const layer of layers.reverse()) colour = over(layer, colour);
    return colour;
  };
  const luminance = ({ r, g, b }) => {
    const channel = (v) => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  };
  const ratio = (element) => {
    const back = background(element);
    const fore = over(rgba(getComputedStyle(element).color), back);
    const [light, dark] = [luminance(fore), luminance(back)].sort((x, y) => y - x);
    return { ratio: (light + 0.05) / (dark + 0.05), background: luminance(back) };
  };

  const holdsText = (element) =>
    [...element.childNodes].some((node) => node.nodeType === Node.TEXT_NODE && node.textContent.trim());
  const texts = [...document.body.querySelectorAll('*')].filter(
    (element) =>
      holdsText(element) &&
      !element.closest('svg, script, style, noscript, :disabled') &&
      element.checkVisibility({ visibilityProperty: true }),
  );
  const body = ratio(document.body);
  const describe = (element) =>
    [element.tagName.toLowerCase(), ...element.classList].join('.');
  const measured = texts.map((element) => ({
    element: describe(element),
    text: element.textContent.trim().slice(0, 40),
    ratio: Math.round(ratio(element).ratio * 100) / 100,
  }));
  const lowest = measured.reduce((low, item) => (item.ratio < low.ratio ? item : low), {
    element: 'body',
    text: '',
    ratio: Math.round(body.ratio * 100) / 100,
  });
  return JSON.stringify({
    dark: matchMedia('(prefers-color-scheme: dark)').matches,
    bodyRatio: Math.round(body.ratio * 100) / 100,
    bodyBackgroundLuminance: Math.round(body.background * 1000) / 1000,
    elements: measured.length,
    lowest,
    below: measured.filter((item) => item.ratio < 4.5),
  });
}
