/** Initial state inside the webview HTML (vscode-free, so it is unit-tested). */

/** JSON that is safe inside an HTML element: `<`, `>`, `&` and the JS line separators are escaped. */
export function embeddedJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}
