/**
 * Chart colours from VS Code's theme. A canvas cannot use CSS variables, so they are read with
 * getComputedStyle and read again whenever the theme changes (VS Code swaps the body's
 * `vscode-light` / `vscode-dark` / `vscode-high-contrast` classes).
 */
export interface ThemeColours {
  foreground: string;
  muted: string;
  grid: string;
  font: string;
  background: string;
  series: string[];
  budget: string;
  error: string;
}

const SERIES_VARS = ['blue', 'orange', 'green', 'purple', 'yellow', 'red', 'foreground'];

function cssVar(style: CSSStyleDeclaration, name: string, fallback: string): string {
  return style.getPropertyValue(name).trim() || fallback;
}

export function readTheme(): ThemeColours {
  const style = getComputedStyle(document.body);
  const foreground = cssVar(style, '--vscode-foreground', '#cccccc');
  return {
    foreground,
    muted: cssVar(style, '--vscode-descriptionForeground', foreground),
    grid: cssVar(style, '--vscode-editorWidget-border', cssVar(style, '--vscode-panel-border', 'rgba(128,128,128,0.35)')),
    font: cssVar(style, '--vscode-font-family', 'sans-serif'),
    background: cssVar(style, '--vscode-editor-background', '#1e1e1e'),
    series: SERIES_VARS.map((c, i) => cssVar(style, `--vscode-charts-${c}`, ['#3794ff', '#d18616', '#89d185', '#b180d7', '#cca700', '#f14c4c', foreground][i])),
    budget: cssVar(style, '--vscode-charts-red', '#f14c4c'),
    error: cssVar(style, '--vscode-errorForeground', '#f48771'),
  };
}

/** Calls `apply` with fresh colours whenever the body's theme classes change. */
export function onThemeChange(apply: (theme: ThemeColours) => void): void {
  let last = document.body.className;
  new MutationObserver(() => {
    if (document.body.className === last) return;
    last = document.body.className;
    apply(readTheme());
  }).observe(document.body, { attributes: true, attributeFilter: ['class'] });
}
