// Two esbuild builds (see STYLE.md): the extension host bundle (Node/CommonJS) and the
// webview bundles (browser/IIFE). Type-checking is separate: `npm run typecheck`.
import * as esbuild from 'esbuild';
import { copyFile, mkdir, rm, readdir, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

await rm('dist', { recursive: true, force: true });
await mkdir('dist', { recursive: true });

/** @type {esbuild.BuildOptions} */
const common = {
  bundle: true,
  minify: production,
  sourcemap: production ? false : 'linked',
  logLevel: 'info',
  legalComments: 'none',
};

const host = {
  ...common,
  entryPoints: ['src/extension.ts'],
  outfile: 'dist/extension.js',
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['vscode'],
};

// The ledger (sql.js, journals, snapshots) runs in a worker thread with its own bundle, so the
// host bundle that loads at activation does not carry it (src/ledger/worker/).
const ledgerWorker = {
  ...host,
  entryPoints: ['src/ledger/worker/entry.ts'],
  outfile: 'dist/ledgerWorker.js',
  external: [],
};

// undici is required only on the first request (src/openrouter/transport.ts): as its own file
// `dist/undici.js`, its ~0.5 MB is not read while the extension activates.
const lazyUndici = {
  name: 'lazy-undici',
  setup(build) {
    build.onResolve({ filter: /^undici$/ }, () => ({ path: './undici.js', external: true }));
  },
};
// `import * as vscode` would copy the whole API object (some 330 keys) once per module that imports
// it (22 of them, ~10 ms while the extension activates); they share one namespace instead.
const oneVscodeNamespace = {
  name: 'one-vscode-namespace',
  setup(build) {
    build.onResolve({ filter: /^vscode$/ }, (args) => (args.namespace === 'vscode-namespace' ? { path: 'vscode', external: true } : { path: 'vscode', namespace: 'vscode-namespace' }));
    build.onLoad({ filter: /.*/, namespace: 'vscode-namespace' }, () => ({ contents: "export * from 'vscode';", loader: 'js' }));
  },
};
host.plugins = [lazyUndici, oneVscodeNamespace];
const undici = {
  ...common,
  entryPoints: { undici: 'node_modules/undici/index.js' },
  outdir: 'dist',
  platform: 'node',
  format: 'cjs',
  target: 'node20',
};

const webviewEntries = existsSync('webview')
  ? (await readdir('webview')).filter((f) => /^[a-z][\w-]*\.ts$/.test(f) && !f.endsWith('.d.ts')).map((f) => `webview/${f}`)
  : [];
const webview = {
  ...common,
  entryPoints: webviewEntries,
  outdir: 'dist/webview',
  platform: 'browser',
  format: 'iife',
  target: 'es2022',
};

// sql.js's WASM is loaded from the install folder at run time (never fetched).
await copyFile('node_modules/sql.js/dist/sql-wasm.wasm', 'dist/sql-wasm.wasm');

// The command line `openrouter-ledger` (src/cli/): a separate bundle, left out of the VSIX (.vscodeignore).
const cli = { ...host, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', external: [], plugins: [lazyUndici], banner: { js: '#!/usr/bin/env node' } };

const builds = [host, ledgerWorker, undici, cli, ...(webviewEntries.length ? [webview] : [])];
if (watch) {
  for (const options of builds) await (await esbuild.context(options)).watch();
} else {
  await Promise.all(builds.map((options) => esbuild.build(options)));
  // The webview bundles' size, one line (issue 8: they ship in the VSIX, which stays under 900 KB).
  if (webviewEntries.length) {
    const sizes = await Promise.all(webviewEntries.map(async (e) => [e, (await stat(`dist/webview/${e.slice('webview/'.length, -3)}.js`)).size]));
    const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
    console.log(`webview bundles: ${kb(sizes.reduce((t, [, n]) => t + n, 0))} (${sizes.map(([e, n]) => `${e.slice('webview/'.length, -3)} ${kb(n)}`).join(', ')})`);
  }
}
