/**
 * Text from OpenRouter (model names, provider names, finish reasons, user ids…) must read as
 * itself in a Markdown preview, never as markup: every ASCII punctuation character is
 * backslash-escaped (CommonMark renders `\x` as a literal x for any punctuation), `<`, `>` and
 * `&` become entities (no HTML, no autolink), and line breaks become spaces (no new block).
 */
const PUNCTUATION = /[!"#$%'()*+,\-./:;=?@[\\\]^_`{|}~]/g;

export function mdText(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '—';
  return String(value)
    .replace(/[\r\n\u2028\u2029]+/g, ' ')
    .replace(PUNCTUATION, (c) => `\\${c}`)
    // After the backslashes: the entities' own `;` must stay unescaped.
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}
