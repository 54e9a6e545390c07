/**
 * The one HTML builder for every webview: a fresh nonce per render, a strict CSP
 * (`default-src 'none'`, scripts by nonce, styles and fonts only from the extension's files, no
 * `unsafe-inline`/`unsafe-eval`), assets through `asWebviewUri`, and the initial state embedded
 * as JSON in a non-executed `<script type="application/json">` so the first paint needs no
 * round trip. The JSON is escaped so no string in it can close the element. A bundle an entry
 * loads later (the UI toolkit, webview/shared/lateScript.ts) carries the same nonce.
 */
import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';
import { embeddedJson } from './shared/embeddedJson';

export interface WebviewPage {
  /** Entry name: dist/webview/<script>.js. */
  script: string;
  /** CSS files under media/. */
  styles: string[];
  title: string;
  initialState: unknown;
}

/** Folders a webview may load from: the bundles and the media files, nothing else. */
export function webviewRoots(extensionUri: vscode.Uri): vscode.Uri[] {
  return [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media')];
}

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return { enableScripts: true, localResourceRoots: webviewRoots(extensionUri) };
}

const escapeAttr = (text: string) => text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function buildWebviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, page: WebviewPage): string {
  const nonce = randomBytes(18).toString('base64');
  const script = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', `${page.script}.js`));
  const styles = page.styles.map((s) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', s)));
  const csp = [
    "default-src 'none'",
    `img-src ${webview.cspSource} data:`,
    `style-src ${webview.cspSource}`,
    `font-src ${webview.cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="${escapeAttr(vscode.env.language)}">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttr(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
${styles.map((s) => `<link rel="stylesheet" href="${escapeAttr(s.toString())}">`).join('\n')}
<title>${escapeAttr(page.title)}</title>
</head>
<body>
<div id="app"></div>
<script type="application/json" id="initial-state" nonce="${nonce}">${embeddedJson(page.initialState)}</script>
<script nonce="${nonce}" src="${escapeAttr(script.toString())}"></script>
</body>
</html>`;
}
