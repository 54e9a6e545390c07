/**
 * Where a webview's first paint spends its time (issue 8: command → first chart ≤ 500 ms). Wall
 * clock times (ms since the epoch, so the host can set them against the moment its command ran):
 * the page created, the bundle received, the bundle running, its modules evaluated, the first
 * chart drawn, the frame that shows it. An entry imports this module first, so `scriptStart` is
 * taken before the heavier modules evaluate.
 */
const clock = () => performance.timeOrigin + performance.now();
const marks: Record<string, number> = { page: performance.timeOrigin, scriptStart: clock() };

/** When `scriptName` (a bundle file such as `dashboard.js`) finished downloading, from Resource Timing. */
function fetched(scriptName: string): number | undefined {
  const entry = (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).find((e) => e.name.split(/[?#]/)[0].endsWith(`/${scriptName}`));
  return entry && entry.responseEnd > 0 ? performance.timeOrigin + entry.responseEnd : undefined;
}

/** Also a Performance mark, so a test can read the marks taken after the first paint was reported. */
export function mark(name: string): void {
  marks[name] = clock();
  performance.mark(name);
}

export function bootMarks(scriptName: string): Record<string, number> {
  const received = fetched(scriptName);
  return received === undefined ? { ...marks } : { ...marks, scriptFetched: received };
}
