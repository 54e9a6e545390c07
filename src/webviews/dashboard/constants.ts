/** Names shared by the dashboard's host and browser sides that are not messages. */

/** The stacked daily chart's series for every model beyond the most expensive few. */
export const OTHER_MODELS = '__other__';
