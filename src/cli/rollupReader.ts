/**
 * Per-model totals without loading the ledger: the per-month and per-day, per-model rollups of
 * `ledger.sqlite` (read page by page, see sqliteFile.ts) plus the contribution of every journal
 * record the snapshot does not contain yet, computed with the same RollupDelta the ledger
 * applies. For a range of whole UTC days (open-ended or not) — `--all`, `--month`, `--today`,
 * `--days N`, `--from/--to` dates — the result is what `LedgerQueries.byModel(range)` answers
 * after a full load (tests compare the two); a range with a partial day needs raw rows.
 *
 * It answers only when that can be guaranteed cheaply; otherwise it says why not and the caller
 * loads the ledger in full: the file is not exactly the snapshot the ledger last wrote (so it
 * would need an integrity check), the schema is another version, updates are waiting for their
 * rows, the journals hold a deletion, a journal was compacted past what the snapshot holds, or
 * the range does not consist of whole days. A range with few latencies (percentiles exact from
 * the values, as byModel does) reads those rows through the file's `ts` index.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { readJournalFrom, readLinesFrom, type JournalRecord } from '../ledger/journal';
import { EXACT_PERCENTILE_LIMIT, LatencyAccumulator } from '../ledger/latency';
import { GENERATION_COLUMNS, rowFromStored } from '../ledger/normalize';
import type { ModelStats } from '../ledger/queries';
import { calendarPieces, emptyTotals, finish, isUncosted, iso, msBound, UNCOSTED_INDEX, type Totals } from '../ledger/queryParts';
import { PACKED_COLUMNS, PACKED_TABLE, unpackValues } from '../ledger/packedRows';
import { modelKey, RollupDelta, type RollupSource } from '../ledger/rollups';
import { SCHEMA_VERSION } from '../ledger/schema';
import { HEAD_FILE, readHead, SNAPSHOT_FILE } from '../ledger/snapshot';
import { resolveRange, type ResolvedRange } from '../ledger/timeZone';
import type { StoredGeneration } from '../ledger/types';
import { SqliteFile, SqliteFormatError, type Value } from './sqliteFile';

/** `uncosted`: requests of the range possibly billed whose cost is unknown (queryParts.isUncosted). */
export type FastAnswer = { models: ModelStats[]; uncosted: number } | { fallback: string };

const MONTH_COLUMNS = ['month', 'model', 'requests', 'errors', 'prompt_tokens', 'completion_tokens', 'reasoning_tokens', 'cached_tokens',
  'cost', 'latency_n', 'latency_sum', 'latency_sumsq', 'latency_hist'];
const IDENTITY = new Set(['uid', 'generation_id', 'ts', 'origin']);

/** True when `sql` declares exactly `columns` in this order (the layout this reader assumes). */
function declares(sql: string | null, columns: string[]): boolean {
  if (!sql) return false;
  const body = sql.slice(sql.indexOf('(') + 1);
  const names = body.split(',').map((part) => part.trim().split(/\s+/)[0]).filter((n) => /^[a-z_]+$/.test(n));
  return columns.every((c, i) => names[i] === c);
}

function firstRow(file: SqliteFile, table: string): Value[] | undefined {
  const entry = file.entry(table);
  if (!entry) return undefined;
  for (const { values } of file.scanTable(entry.rootPage)) return values;
  return undefined;
}

interface Tail {
  records: { writer: string; records: JournalRecord[] }[];
}

/** Journal records past the positions the snapshot stores, in the order the ledger's loader applies them. */
async function journalTail(dir: string, positions: Map<string, { seq: number; offset: number; closed: boolean }>): Promise<Tail | { fallback: string }> {
  const journalDir = path.join(dir, 'journal');
  const compactions = await readLinesFrom(path.join(journalDir, 'compacted.log'), 0);
  for (const line of compactions?.lines ?? []) {
    try {
      const { w, offset } = JSON.parse(line) as { w: string; offset: number };
      if ((positions.get(w)?.offset ?? 0) < offset) return { fallback: `journal ${w} was compacted after this snapshot was written` };
    } catch {
      return { fallback: 'journal/compacted.log has a damaged line' };
    }
  }
  let names: string[] = [];
  try {
    names = await fs.readdir(journalDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const tail: Tail = { records: [] };
  for (const name of names) {
    if (!name.endsWith('.jsonl')) continue;
    const writer = name.slice(0, -'.jsonl'.length);
    const pos = positions.get(writer) ?? { seq: 0, offset: 0, closed: false };
    if (pos.closed) continue;
    const decoded = await readJournalFrom(path.join(journalDir, name), pos.offset);
    const fresh = decoded?.records.filter((r) => r.seq > pos.seq && r.op.k !== 'close') ?? [];
    if (fresh.length) tail.records.push({ writer, records: fresh });
  }
  return tail;
}

/**
 * The rows the journal tail inserts or changes, as the ledger would apply them: inserts that
 * collide with a known uid or generation id are dropped, updates apply to the row found by
 * uid (else generation id) and wait for rows that have not arrived yet.
 */
class TailRows {
  readonly added = new Map<string, StoredGeneration>();
  /** Snapshot rows the tail changed: their stored contribution and their state now. */
  readonly changed = new Map<string, { before: StoredGeneration; after: StoredGeneration }>();
  private readonly byGid = new Map<string, string>();
  private readonly waiting: { uid: string | null; gid: string | null; set: Partial<StoredGeneration> }[] = [];

  constructor(private readonly lookup: (uid: string | null, gid: string | null) => StoredGeneration | undefined) {}

  private local(uid: string): StoredGeneration | undefined {
    return this.added.get(uid) ?? this.changed.get(uid)?.after;
  }

  /** As LedgerDb.findGeneration: by uid, else by generation id; the tail's version of a row first. */
  private find(uid: string | null, gid: string | null): StoredGeneration | undefined {
    if (uid !== null) {
      const row = this.local(uid) ?? this.lookup(uid, null);
      if (row) return row;
    }
    if (gid === null) return undefined;
    const localUid = this.byGid.get(gid);
    return localUid !== undefined ? this.local(localUid) : this.lookup(null, gid);
  }

  insert(row: StoredGeneration): void {
    if (this.find(row.uid, null) || (row.generation_id !== null && this.find(null, row.generation_id))) return;
    this.added.set(row.uid, row);
    if (row.generation_id !== null) this.byGid.set(row.generation_id, row.uid);
    for (const w of this.waiting.splice(0)) {
      if (w.uid === row.uid || (w.gid !== null && w.gid === row.generation_id)) this.update(w.uid, w.gid, w.set);
      else this.waiting.push(w);
    }
  }

  update(uid: string | null, gid: string | null, set: Partial<StoredGeneration>): void {
    const found = this.find(uid, gid);
    if (!found) {
      this.waiting.push({ uid, gid, set });
      return;
    }
    const after = { ...found } as unknown as Record<string, unknown>;
    for (const c of GENERATION_COLUMNS) if (!IDENTITY.has(c) && Object.prototype.hasOwnProperty.call(set, c)) after[c] = (set as Record<string, unknown>)[c];
    const row = after as unknown as StoredGeneration;
    if (this.added.has(row.uid)) this.added.set(row.uid, row);
    else this.changed.set(row.uid, { before: this.changed.get(row.uid)?.before ?? found, after: row });
    if (row.generation_id !== null) this.byGid.set(row.generation_id, row.uid);
  }

  delta(): RollupDelta {
    const delta = new RollupDelta();
    for (const row of this.added.values()) delta.add(row as RollupSource, 1);
    for (const { before, after } of this.changed.values()) {
      delta.add(before as RollupSource, -1);
      delta.add(after as RollupSource, 1);
    }
    return delta;
  }
}

export interface RollupRange {
  /** Epoch ms; null = unbounded. */
  from: number | null;
  to: number | null;
}

export async function byModelFromRollups(dir: string, range: RollupRange = { from: null, to: null }, options: { percentiles?: boolean } = {}): Promise<FastAnswer> {
  const resolved = resolveRange({ from: range.from, to: range.to });
  const pieces = calendarPieces(resolved);
  if (pieces.raw.length) return { fallback: 'the range does not consist of whole UTC days' };
  const snapshotPath = path.join(dir, SNAPSHOT_FILE);
  let file: SqliteFile;
  try {
    file = SqliteFile.open(snapshotPath);
  } catch (err) {
    return { fallback: (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no ledger.sqlite yet' : (err as Error).message };
  }
  try {
    return await answer(dir, file, snapshotPath, resolved, options.percentiles ?? true);
  } catch (err) {
    if (err instanceof SqliteFormatError) return { fallback: `ledger.sqlite could not be read page by page (${err.message})` };
    throw err;
  } finally {
    file.close();
  }
}

async function answer(dir: string, file: SqliteFile, snapshotPath: string, range: ResolvedRange, percentiles: boolean): Promise<FastAnswer> {
  const pieces = calendarPieces(range);
  const head = await readHead(dir);
  const stat = await fs.stat(snapshotPath);
  const metaEntry = file.entry('meta');
  const snapshotId = metaEntry ? [...file.scanTable(metaEntry.rootPage)].find((r) => r.values[0] === 'snapshot_id')?.values[1] : undefined;
  if (!head || head.snapshotId !== snapshotId || head.fileSize !== stat.size || head.fileMtimeMs !== stat.mtimeMs) {
    return { fallback: `ledger.sqlite is not the file ${HEAD_FILE} describes, so it is checked in full` };
  }
  if (firstRow(file, 'schema_version')?.[0] !== SCHEMA_VERSION) return { fallback: 'the ledger has another schema version' };
  if (firstRow(file, 'deferred_updates')) return { fallback: 'updates are waiting for their rows' };
  const month = file.entry('roll_month_model');
  const day = file.entry('roll_day_model');
  const generations = file.entry(PACKED_TABLE);
  const strings = file.entry('strings');
  if (!month || !declares(month.sql, MONTH_COLUMNS) || !day || !declares(day.sql, ['day', ...MONTH_COLUMNS.slice(1)]) || !generations || !declares(generations.sql, ['id', ...PACKED_COLUMNS])
    || !strings || !declares(strings.sql, ['id', 'value'])) {
    return { fallback: 'the ledger tables have an unexpected layout' };
  }
  const text = new Map<number, string>();
  for (const { rowid, values } of file.scanTable(strings.rootPage)) if (typeof values[1] === 'string') text.set(rowid, values[1]);
  const rowOf = (v: Value[]) => rowFromStored(unpackValues(v.slice(1), (id) => text.get(id)));

  const stateEntry = file.entry('journal_state');
  const positions = new Map<string, { seq: number; offset: number; closed: boolean }>();
  for (const { values: [w, seq, offset, closed] } of stateEntry ? file.scanTable(stateEntry.rootPage) : []) {
    positions.set(String(w), { seq: Number(seq), offset: Number(offset), closed: closed === 1 });
  }
  const tail = await journalTail(dir, positions);
  if ('fallback' in tail) return tail;

  const rows = new TailRows(rowLookup(file, generations.rootPage, rowOf));
  for (const { records } of tail.records) {
    for (const { op } of records) {
      if (op.k === 'gen') op.rows.forEach((r) => rows.insert(r));
      else if (op.k === 'upd') rows.update(op.uid, op.gid, op.set);
      else if (op.k === 'del') return { fallback: 'the journals hold a deletion not yet in ledger.sqlite' };
    }
  }

  const models = new Map<string, { t: Totals; lat: LatencyAccumulator }>();
  const entry = (m: string) => {
    let e = models.get(m);
    if (!e) models.set(m, (e = { t: emptyTotals(), lat: new LatencyAccumulator() }));
    return e;
  };
  // Which rollup rows the range covers: whole months, and whole days in the partial months.
  const inMonths = (m: string) => pieces.months !== null && m >= pieces.months[0] && m < pieces.months[1];
  const inDays = (d: string) => pieces.days.some(([lo, hi]) => d >= lo && d < hi);
  const sources: { root: number; covers: (period: string) => boolean }[] = [{ root: month.rootPage, covers: inMonths }];
  if (pieces.days.length) sources.push({ root: day.rootPage, covers: inDays });
  for (const { root, covers } of sources) {
    for (const v of file.scanIndex(root)) {
      if (!covers(String(v[0]))) continue;
      const e = entry(String(v[1]));
      addTotals(e.t, v.slice(2, 9).map(Number));
      e.lat.addSums(Number(v[9]), Number(v[10]), Number(v[11]));
      if (v[12] instanceof Uint8Array) e.lat.addHistogram(v[12]);
    }
  }
  for (const [key, d] of rows.delta().models) {
    const [table, period, model] = JSON.parse(key) as [string, string, string];
    if (!(table === 'month' ? inMonths(period) : inDays(period))) continue;
    const e = entry(model);
    addTotals(e.t, [d.requests, d.errors, d.prompt, d.completion, d.reasoning, d.cached, d.cost]);
    e.lat.addSums(d.latN, d.latSum, d.latSumSq);
    for (const [bucket, n] of d.hist) e.lat.addBucket(bucket, n);
  }
  for (const [model, e] of models) {
    if (e.t.requests <= 0) models.delete(model);
    for (let b = 0; b < e.lat.hist.length; b++) e.lat.hist[b] = Math.max(0, e.lat.hist[b]);
  }
  const latencies = [...models.values()].reduce((n, e) => n + e.lat.n, 0);
  const tsIndex = file.entry('idx_generations_ts');
  if (!tsIndex) return { fallback: 'the generations table lacks its ts index' };
  // As byModel: few latencies in the range are all read, for exact percentiles.
  let exact: Map<string, number[]> | undefined;
  if (percentiles && latencies <= EXACT_PERCENTILE_LIMIT) exact = exactLatencies(file, generations.rootPage, tsIndex.rootPage, range, rows, rowOf);
  // Every row without a cost is in the partial index when the file has it; else every row of the range is read.
  const uncostedIndex = file.entry(UNCOSTED_INDEX) ?? tsIndex;
  const uncosted = countRows(file, generations.rootPage, uncostedIndex.rootPage, range, rows, rowOf, isUncosted);

  const all = [...models.entries()].map(([model, e]) => ({ model, t: finish(e.t), lat: e.lat }));
  const cost = all.reduce((s, m) => s + m.t.cost, 0);
  const requests = all.reduce((s, m) => s + m.t.requests, 0);
  return {
    uncosted,
    models: all
      .map(({ model, t, lat }) => ({
        ...t, model, costShare: cost ? t.cost / cost : 0, requestShare: requests ? t.requests / requests : 0,
        latency: lat.stats(exact ? (exact.get(model) ?? []) : undefined),
      }))
      .sort((x, y) => y.cost - x.cost || y.requests - x.requests || x.model.localeCompare(y.model)),
  };
}

/** Latencies of successful requests in the range per model: snapshot rows through the `ts` index, as the tail left them, plus the tail's new rows. */
function exactLatencies(file: SqliteFile, root: number, tsRoot: number, range: ResolvedRange, rows: TailRows, rowOf: RowReader): Map<string, number[]> {
  const out = new Map<string, number[]>();
  const take = (row: StoredGeneration) => {
    if (row.status !== 'success' || row.latency_ms === null) return;
    const model = modelKey(row);
    const list = out.get(model) ?? [];
    list.push(row.latency_ms);
    out.set(model, list);
  };
  const [from, to] = [iso(range.from), iso(range.to)];
  for (const [ts, rowid] of file.scanIndexFrom(tsRoot, msBound(range.from))) {
    if (typeof ts !== 'number' || ts >= msBound(range.to)) break;
    const v = file.findRow(root, Number(rowid));
    if (!v) throw new SqliteFormatError(`the ts index points at a missing row ${String(rowid)}`);
    const stored = rowOf(v);
    take(rows.changed.get(stored.uid)?.after ?? stored);
  }
  for (const row of rows.added.values()) if (row.ts >= from && row.ts < to) take(row);
  return out;
}

/**
 * Rows of the range matching `keep`, as the tail left them. No rollup counts them: the snapshot's
 * rows come through `indexRoot`, an index on `ts` holding at least every row `keep` accepts (the
 * `ts` index itself: O(rows in the range)); rows the tail added or changed are judged as they are now.
 */
function countRows(file: SqliteFile, root: number, indexRoot: number, range: ResolvedRange, rows: TailRows, rowOf: RowReader, keep: (row: StoredGeneration) => boolean): number {
  let n = 0;
  const [from, to] = [iso(range.from), iso(range.to)];
  for (const [ts, rowid] of file.scanIndexFrom(indexRoot, msBound(range.from))) {
    if (typeof ts !== 'number' || ts >= msBound(range.to)) break;
    const v = file.findRow(root, Number(rowid));
    if (!v) throw new SqliteFormatError(`an index on ts points at a missing row ${String(rowid)}`);
    const stored = rowOf(v);
    if (!rows.changed.has(stored.uid) && keep(stored)) n++;
  }
  const current = [...rows.added.values(), ...[...rows.changed.values()].map((c) => c.after)];
  for (const row of current) if (row.ts >= from && row.ts < to && keep(row)) n++;
  return n;
}

function addTotals(t: Totals, v: number[]): void {
  t.requests += v[0];
  t.errors += v[1];
  t.promptTokens += v[2];
  t.completionTokens += v[3];
  t.reasoningTokens += v[4];
  t.cachedTokens += v[5];
  t.cost += v[6];
}

/** A `generations_packed` record (column 0 is the rowid alias `id`, stored as NULL) as the row the view shows. */
type RowReader = (v: Value[]) => StoredGeneration;

/** Finds a row by uid, else generation id, through the UNIQUE indexes. */
function rowLookup(file: SqliteFile, root: number, rowOf: RowReader): (uid: string | null, gid: string | null) => StoredGeneration | undefined {
  const indexes = file.schema().filter((e) => e.type === 'index' && e.tableName === PACKED_TABLE && e.name.startsWith(`sqlite_autoindex_${PACKED_TABLE}_`));
  const uidIndex = indexes.find((e) => e.name.endsWith('_1'));
  const gidIndex = indexes.find((e) => e.name.endsWith('_2'));
  if (!uidIndex || !gidIndex) throw new SqliteFormatError(`${PACKED_TABLE} lacks its unique indexes`);
  const read = (rowid: number | undefined) => {
    if (rowid === undefined) return undefined;
    const v = file.findRow(root, rowid);
    if (!v) throw new SqliteFormatError(`index points at a missing row ${rowid}`);
    return rowOf(v);
  };
  return (uid, gid) => {
    if (uid !== null) {
      const row = read(file.findInIndex(uidIndex.rootPage, uid));
      if (row) {
        if (row.uid !== uid) throw new SqliteFormatError('the uid index does not match its rows');
        return row;
      }
    }
    return gid !== null ? read(file.findInIndex(gidIndex.rootPage, gid)) : undefined;
  };
}
