/**
 * Finds secrets in files: the acceptance criterion "no key string appears in any file the extension
 * or the tests write" is checked by reading every such file back, byte for byte.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface SecretLeak {
  readonly file: string;
  /** The secret's masked form: the leak report itself must not repeat the key. */
  readonly secret: string;
}

/** An OpenRouter key in full: prefix plus a long body (the simulator's are 64 hex digits). */
const FULL_KEY_PATTERN = /sk-or-v1-[0-9a-f]{32,}/;

export function maskForReport(secret: string): string {
  return secret.length > 16 ? `${secret.slice(0, 12)}…${secret.slice(-4)}` : '…';
}

/** Every file under `roots` (recursively) that contains one of `secrets`, as UTF-8 or UTF-16LE. */
export function findSecrets(roots: readonly string[], secrets: readonly string[]): SecretLeak[] {
  const needles = secrets
    .filter((s) => s.length >= 8)
    .map((s) => ({ s, forms: [Buffer.from(s, 'utf8'), Buffer.from(s, 'utf16le')] }));
  const leaks: SecretLeak[] = [];
  for (const file of filesUnder(roots)) {
    const bytes = fs.readFileSync(file);
    for (const { s, forms } of needles) {
      if (forms.some((form) => bytes.includes(form))) leaks.push({ file, secret: maskForReport(s) });
    }
  }
  return leaks;
}

/** Every file under `roots` that contains any full OpenRouter key, whoever's it is. */
export function findAnyFullKey(roots: readonly string[]): SecretLeak[] {
  const leaks: SecretLeak[] = [];
  for (const file of filesUnder(roots)) {
    const match = FULL_KEY_PATTERN.exec(fs.readFileSync(file).toString('latin1'));
    if (match) leaks.push({ file, secret: maskForReport(match[0]) });
  }
  return leaks;
}

export function describeLeaks(leaks: readonly SecretLeak[]): string {
  return leaks.map((l) => `  ${l.secret} in ${l.file}`).join('\n');
}

function* filesUnder(roots: readonly string[]): Generator<string> {
  for (const root of roots) {
    if (!fs.existsSync(root)) continue;
    const stat = fs.lstatSync(root);
    if (stat.isFile()) {
      yield root;
      continue;
    }
    if (!stat.isDirectory()) continue;
    for (const entry of fs.readdirSync(root, { withFileTypes: true })) {
      const full = path.join(root, entry.name);
      if (entry.isDirectory()) yield* filesUnder([full]);
      else if (entry.isFile()) yield full;
    }
  }
}
