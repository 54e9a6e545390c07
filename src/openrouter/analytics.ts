/**
 * OpenRouter's Analytics API (management key): `GET /analytics/meta` and `POST
 * /analytics/query`. Answers are read defensively: rows stay as given (counts may be strings,
 * unused cost components null) and the caller converts what it shows.
 */
import { asObject } from './parse';

export interface AnalyticsMeta {
  metrics: { name: string; displayLabel: string; displayFormat: string; isRate: boolean }[];
  dimensions: { name: string; displayLabel: string }[];
  granularities: string[];
}

export interface AnalyticsQueryBody {
  metrics: string[];
  dimensions?: string[];
  filters?: { field: string; operator: string; value: unknown; include_unset?: boolean }[];
  granularity?: 'minute' | 'hour' | 'day' | 'week' | 'month';
  time_range?: { start: string; end: string };
  order_by?: { field: string; direction: 'asc' | 'desc' };
  limit?: number;
}

export interface AnalyticsAnswer {
  rows: Record<string, unknown>[];
  truncated: boolean;
  rowCount: number | null;
  warnings: string[];
}

const str = (v: unknown) => (typeof v === 'string' ? v : '');

export function readAnalyticsMeta(data: unknown): AnalyticsMeta | null {
  const d = asObject(data);
  if (!d || !Array.isArray(d.metrics) || !Array.isArray(d.dimensions)) return null;
  return {
    metrics: d.metrics.map(asObject).filter((m) => m !== null && typeof m.name === 'string').map((m) => ({
      name: str(m!.name), displayLabel: str(m!.display_label), displayFormat: str(m!.display_format), isRate: m!.is_rate === true,
    })),
    dimensions: d.dimensions.map(asObject).filter((m) => m !== null && typeof m.name === 'string').map((m) => ({ name: str(m!.name), displayLabel: str(m!.display_label) })),
    granularities: Array.isArray(d.granularities) ? d.granularities.map((g) => str(asObject(g)?.name)).filter(Boolean) : [],
  };
}

export function readAnalyticsAnswer(data: unknown): AnalyticsAnswer | null {
  const d = asObject(data);
  if (!d || !Array.isArray(d.data)) return null;
  const meta = asObject(d.metadata);
  return {
    rows: d.data.map(asObject).filter((r): r is Record<string, unknown> => r !== null),
    truncated: meta?.truncated === true,
    rowCount: typeof meta?.row_count === 'number' ? meta.row_count : null,
    warnings: Array.isArray(d.warnings) ? d.warnings.filter((w): w is string => typeof w === 'string') : [],
  };
}
