/**
 * The translation seam for modules that must not import `vscode`. Producers of user-facing text
 * take a `Translate` and write each sentence as one literal template with `{0}`-style
 * placeholders, so `@vscode/l10n-dev` can extract it; the extension host passes `vscode.l10n.t`
 * (same shape), tests and logs use `plainTranslate`, which yields the English template filled in.
 */
export type Translate = (message: string, ...args: Array<string | number>) => string;

export const plainTranslate: Translate = (message, ...args) =>
  message.replace(/\{(\d+)\}/g, (_m, i: string) => String(args[Number(i)] ?? ''));
