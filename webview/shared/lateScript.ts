/**
 * Loads another bundle of dist/webview/ after the first paint, under the page's CSP: the new
 * script element carries the nonce of the entry's own script and a URL beside it.
 */
// Read while the entry's (classic) script runs: document.currentScript is null afterwards.
const entry = document.currentScript as HTMLScriptElement | null;

export function loadLateScript(name: string): void {
  if (!entry) throw new Error('loadLateScript: the entry bundle must run as a classic script');
  const script = document.createElement('script');
  script.nonce = entry.nonce;
  script.src = new URL(`${name}.js`, entry.src).toString();
  document.head.append(script);
}
