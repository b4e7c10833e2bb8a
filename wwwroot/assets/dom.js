// Building the page from data. Everything the server sends is put in as text: strings
// become text nodes, never markup, so a team called "<img onerror=...>" stays a name.
// There is no innerHTML anywhere in the panel, and no inline handler or style either
// (the content security policy would refuse them).

const PROPERTIES = new Set(['value', 'checked', 'selected', 'disabled', 'hidden', 'required', 'readOnly']);
const SVG_NS = 'http://www.w3.org/2000/svg';

// Links and sources point into the panel only: a path on this host, never a scheme
// (javascript:, data:, another host) that a value from the server could smuggle in.
const URL_ATTRIBUTES = new Set(['href', 'src', 'action', 'formaction', 'xlink:href']);
const isOwnPath = (value) => /^[/?#]/.test(value) && !value.startsWith('//');

/** An HTML element: h('td', { class: 'num' }, 'text', childNode, [more]) */
export function h(tag, props, ...children) {
  return build(document.createElement(tag), props, children);
}

/** An SVG element, same shape as h(). */
export function svg(tag, props, ...children) {
  return build(document.createElementNS(SVG_NS, tag), props, children);
}

function build(element, props, children) {
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') {
      element.setAttribute('class', Array.isArray(value) ? value.filter(Boolean).join(' ') : value);
    } else if (key === 'dataset') {
      Object.assign(element.dataset, value);
    } else if (key.startsWith('on') && typeof value === 'function') {
      element.addEventListener(key.slice(2), value);
    } else if (PROPERTIES.has(key)) {
      element[key] = value;
    } else if (key.startsWith('on') || key === 'style' || key.endsWith('HTML')) {
      throw new Error(`Refusing to set ${key} from data`);
    } else if (URL_ATTRIBUTES.has(key) && !isOwnPath(String(value))) {
      throw new Error(`Refusing ${key} outside the panel: ${value}`);
    } else {
      element.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(element, children);
  return element;
}

/** Appends nodes and strings (as text) in order, skipping null, undefined and false. */
export function append(element, children) {
  for (const child of [children].flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

/** Replaces an element's children. */
export function fill(element, ...children) {
  element.replaceChildren();
  return append(element, children);
}

let fieldCount = 0;

/** A form field: its label above the control, and an optional hint below that describes it. */
export function field(label, control, hint) {
  fieldCount += 1;
  control.id ||= `field-${fieldCount}`;
  const hintElement = hint ? h('span', { class: 'field-hint', id: `${control.id}-hint` }, hint) : null;
  if (hintElement) control.setAttribute('aria-describedby', hintElement.id);
  return h(
    'div',
    { class: 'field' },
    h('label', { class: 'field-label', for: control.id }, label),
    control,
    hintElement,
  );
}
