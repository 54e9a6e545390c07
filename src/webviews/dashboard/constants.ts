/** Names shared by the dashboard's host and browser sides that are not messages. */

/** The stacked daily chart's series for every model beyond the most expensive few. */
export const OTHER_MODELS = '__other__';

/**
 * The most models a per-model chart carries (share, latency, error rate): the webview refuses
 * longer lists, so the host sends the most expensive ones, the share chart with the rest summed
 * as OTHER_MODELS (a ledger imported from another tool can name thousands of models).
 */
export const MAX_CHART_MODELS = 1_000;
