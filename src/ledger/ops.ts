/**
 * The operations a journal records. Each is applied exactly once per database (journals are
 * deduplicated by writer and sequence number), and is safe to see again (rows by uid and
 * generation id, upserts by natural key), so replaying a journal tail after a crash is harmless.
 */
import type { ModelInfo } from '../openrouter/types';
import { isStoredGeneration } from './normalize';
import type { ActivityRecord, CreditSnapshot, StoredGeneration } from './types';

export type LedgerOp =
  /**
   * New rows (one request, or a whole import: all or nothing). `owner`: the writer whose window
   * is running the request of a `pending` row (so another window knows when it was orphaned).
   */
  | { k: 'gen'; rows: StoredGeneration[]; owner?: string }
  /** Refines one row, found by uid, else by generation id. */
  | { k: 'upd'; uid: string | null; gid: string | null; set: Partial<StoredGeneration> }
  | { k: 'act'; at: string; rows: ActivityRecord[] }
  | { k: 'cred'; s: CreditSnapshot }
  | { k: 'price'; at: string; models: ModelInfo[] }
  /**
   * Deletes rows dated before `before`: requests and credit snapshots (`retention`), and also
   * OpenRouter's activity history (`all`, an explicit "delete before").
   */
  | { k: 'del'; before: string; scope: DeleteScope }
  /** The writer closed its journal cleanly; nothing follows. */
  | { k: 'close' };

export type OpKind = LedgerOp['k'];
/** Every kind this version can apply; a line of any other kind comes from a newer version. */
export const OP_KINDS: readonly OpKind[] = ['gen', 'upd', 'act', 'cred', 'price', 'del', 'close'];
export type DeleteScope = 'retention' | 'all';

/** Shape check for an operation read from disk (another window, another version, a damaged file). */
export function isLedgerOp(value: unknown): value is LedgerOp {
  if (typeof value !== 'object' || value === null) return false;
  const op = value as Record<string, unknown>;
  switch (op.k) {
    case 'gen':
      return Array.isArray(op.rows) && op.rows.every(isStoredGeneration) && (op.owner === undefined || typeof op.owner === 'string');
    case 'upd':
      return typeof op.set === 'object' && op.set !== null && (typeof op.uid === 'string' || typeof op.gid === 'string');
    case 'act':
      return typeof op.at === 'string' && Array.isArray(op.rows);
    case 'cred':
      return typeof op.s === 'object' && op.s !== null && typeof (op.s as CreditSnapshot).ts === 'string';
    case 'price':
      return typeof op.at === 'string' && Array.isArray(op.models);
    case 'del':
      return typeof op.before === 'string' && (op.scope === 'retention' || op.scope === 'all');
    case 'close':
      return true;
    default:
      return false;
  }
}
