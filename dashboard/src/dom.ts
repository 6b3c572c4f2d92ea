/** A tiny DOM builder: every text goes through textContent (chain data is never parsed as HTML). */

type Child = Node | string | number | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) if (value !== undefined) element.setAttribute(key, value);
  for (const child of children) {
    if (child === undefined || child === false) continue;
    element.append(typeof child === 'string' || typeof child === 'number' ? String(child) : child);
  }
  return element;
}

/** A section with a heading and an id (the nav links to it). */
export function section(id: string, title: string, ...children: Child[]): HTMLElement {
  return h('section', { id }, h('h2', {}, title), ...children);
}

/** A label/value card whose value element is returned for updates. */
export function card(label: string, testId: string): { element: HTMLElement; value: HTMLElement } {
  const value = h('div', { class: 'value', 'data-testid': testId }, '–');
  return { element: h('div', { class: 'card' }, h('div', { class: 'label' }, label), value), value };
}

/** Replaces a table body's rows. */
export function setRows(body: HTMLTableSectionElement, rows: HTMLTableRowElement[]): void {
  body.replaceChildren(...rows);
}

export function table(headers: string[], testId: string): { element: HTMLTableElement; body: HTMLTableSectionElement } {
  const body = h('tbody');
  const element = h(
    'table',
    { 'data-testid': testId },
    h('thead', {}, h('tr', {}, ...headers.map((text) => h('th', {}, text)))),
    body,
  );
  return { element, body };
}
