// Two esbuild builds (see STYLE.md): the extension host bundle (Node/CommonJS) and the
// webview bundles (browser/IIFE). Type-checking is separate: `npm run typecheck`.
import * as esbuild from 'esbuild';
import { copyFile, mkdir, rm, readdir } from 'node:fs/promises';
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

const builds = [host, ...(webviewEntries.length ? [webview] : [])];
if (watch) {
  for (const options of builds) await (await esbuild.context(options)).watch();
} else {
  await Promise.all(builds.map((options) => esbuild.build(options)));
}
