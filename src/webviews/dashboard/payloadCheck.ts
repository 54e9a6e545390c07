/**
 * The deep shape of every host → dashboard message: each field the app renders, down to the
 * table cells. Used by the app (webview/dashboard.ts, through parseHostMessage) and by the
 * host's tests, so a payload the host builds and one the app accepts cannot drift apart.
 */
import { balanceCheck, burnCheck, projectionCheck, runwayCheck } from '../shared/forecastChecks';
import { RANGE_PRESETS } from '../shared/rangeSelection';
import { MAX_CHART_MODELS } from './constants';
import type { DashboardPayload } from './protocol';
import { arrayOf, bool, finite, finiteOrNull, nullable, oneOf, optional, shape, tagged, text, type Check } from '../shared/validate';

const tableRow = shape({
  label: text, secondary: optional(text),
  requests: finiteOrNull, errors: finiteOrNull, tokens: finiteOrNull, cost: finiteOrNull, share: optional(finiteOrNull),
});
const tableRows = arrayOf(tableRow, 1_000);

const reconciliation = nullable(shape({
  rows: arrayOf(shape({ date: text, model: text, ledgerCost: finite, openRouterCost: finite, difference: finite, kind: oneOf('outside', 'mismatch') })),
  outsideTotal: finite,
  mismatchTotal: finite,
}));

const whatIfRow = shape({ model: text, actual: finite, wouldCost: finiteOrNull, change: finiteOrNull });

const payloadFields = shape({
  generatedAt: finite,
  source: oneOf('ledger', 'account'),
  notices: arrayOf(text, 50),
  breakdownsPending: bool,
  range: shape({
    selection: shape({ preset: oneOf(...RANGE_PRESETS), fromDay: optional(text), toDay: optional(text) }),
    from: finite, to: finite, firstDay: text, lastDay: text, timeZone: text,
  }),
  kpis: shape({
    spend: finiteOrNull,
    unknownCost: nullable(shape({ count: finite, unit: oneOf('requests', 'rows') })),
    requests: finiteOrNull, tokens: finiteOrNull, avgCostPerRequest: finiteOrNull, errorRate: finiteOrNull,
    balance: balanceCheck, burn: burnCheck, runway: runwayCheck, projection: projectionCheck,
  }),
  daily: shape({ days: arrayOf(text), series: arrayOf(shape({ model: text, values: arrayOf(finite) }), 50) }),
  modelShare: arrayOf(shape({ model: text, cost: finite }), MAX_CHART_MODELS),
  cumulative: shape({ days: arrayOf(text, 31), actual: arrayOf(finiteOrNull, 31), budget: finiteOrNull }),
  hourly: shape({ requests: arrayOf(finite, 24), cost: arrayOf(finite, 24) }),
  latency: arrayOf(shape({ model: text, p50: finite, p95: finite, p99: finite, method: oneOf('exact', 'histogram') }), MAX_CHART_MODELS),
  errorRates: arrayOf(shape({ model: text, rate: finite, errors: finite, requests: finite }), MAX_CHART_MODELS),
  unavailable: shape({ hourly: optional(text), latency: optional(text), errors: optional(text) }),
  tables: shape({
    models: tableRows, users: tableRows, workspaces: tableRows, branches: tableRows, sessions: tableRows,
    tags: tableRows, errorTypes: tableRows, keys: tableRows, providers: tableRows,
  }),
  whatIf: shape({
    targets: arrayOf(text),
    result: nullable(shape({
      target: text,
      sameListedPriceAs: nullable(text),
      unknownReason: oneOf(null, 'unlisted', 'router', 'no-price'),
      rows: arrayOf(whatIfRow, 1_000),
      total: whatIfRow,
    })),
  }),
  reconciliation,
});

/** Every series of a chart has one value per label: a short or long one would misdraw. */
function seriesMatchLabels(v: unknown, p: string): string | null {
  const d = v as DashboardPayload;
  if (d.cumulative.actual.length !== d.cumulative.days.length) return `${p}.cumulative.actual: ${d.cumulative.actual.length} values for ${d.cumulative.days.length} days`;
  const i = d.daily.series.findIndex((series) => series.values.length !== d.daily.days.length);
  return i < 0 ? null : `${p}.daily.series[${i}].values: ${d.daily.series[i].values.length} values for ${d.daily.days.length} days`;
}

export const dashboardPayloadCheck: Check = (v, p) => payloadFields(v, p) ?? seriesMatchLabels(v, p);

export const hostMessageCheck: Check = tagged('type', {
  update: { payload: dashboardPayloadCheck },
  breakdowns: { generatedAt: finite, sessions: tableRows, tags: tableRows, reconciliation },
  error: { message: text },
});
