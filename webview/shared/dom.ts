/**
 * DOM building with text only: every string from the host (model names, users, tags, branches)
 * becomes a text node, never markup. There is no innerHTML anywhere in the webviews.
 */
export type Child = Node | string | null | undefined | false;

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) if (value !== undefined) node.setAttribute(name, value);
  append(node, ...children);
  return node;
}

/** A custom element (the webview UI toolkit's `vscode-*` tags). */
export function custom(tag: string, attrs: Record<string, string | undefined> = {}, ...children: Child[]): HTMLElement {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) if (value !== undefined) node.setAttribute(name, value);
  append(node, ...children);
  return node;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    parent.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
  }
}

export function replaceChildren(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, ...children);
}

/** Reads the JSON the host embedded in the page (a non-executed script element). */
export function initialState<T>(): T {
  const text = document.getElementById('initial-state')?.textContent ?? 'null';
  return JSON.parse(text) as T;
}

/** A table as the accessible alternative to a chart, or as a plain data table. */
export function table(caption: string, head: string[], rows: string[][], numericFrom = 1): HTMLTableElement {
  return el('table', {},
    el('caption', {}, caption),
    el('thead', {}, el('tr', {}, ...head.map((h, i) => el('th', { scope: 'col', class: i >= numericFrom ? 'num' : undefined }, h)))),
    el('tbody', {}, ...rows.map((r) => el('tr', {}, ...r.map((cell, i) => (i === 0 ? el('th', { scope: 'row' }, cell) : el('td', { class: i >= numericFrom ? 'num' : undefined }, cell)))))),
  );
}
