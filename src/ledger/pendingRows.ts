/**
 * Rows written before their request is sent (`pending`) and how they end: completed by their own
 * window, or — when that window is gone — marked `interrupted` by the window that writes
 * ledger.sqlite. `pending_owner` (schema v3) names each pending row's writer, so a row is taken
 * for orphaned only when its writer's journal is closed, its process is dead on this machine, or
 * (owner unknown, or on another machine) it is older than any streamed answer runs.
 */
import type { LedgerDb } from './apply';
import { isWriterDead } from './follow';
import { cleanText, normalizePatch } from './normalize';
import { code, PACKED_TABLE } from './packedRows';
import type { GenerationPatch, StoredGeneration } from './types';

/** A pending row whose owner cannot be checked is taken for interrupted after this long. */
export const PENDING_STALE_MS = 6 * 60 * 60 * 1000;

export function orphanedPendingRows(ldb: LedgerDb, ownWriterId: string, now: number, staleAfterMs = PENDING_STALE_MS): { uid: string; generationId: string | null }[] {
  return ldb
    .all(`SELECT g.uid, g.generation_id, g.ts_ms, p.writer_id, j.closed FROM ${PACKED_TABLE} g
      LEFT JOIN pending_owner p ON p.uid = g.uid LEFT JOIN journal_state j ON j.writer_id = p.writer_id
      WHERE g.status_code = ${code('status', 'pending')}`)
    .filter(([, , tsMs, writer, closed]) => {
      if (writer === ownWriterId) return false;
      if (closed === 1 || (typeof writer === 'string' && isWriterDead(writer))) return true;
      return typeof tsMs === 'number' && now - tsMs > staleAfterMs;
    })
    .map(([uid, gid]) => ({ uid: uid as string, generationId: gid as string | null }));
}

/** What marking a row interrupted changes: its status, and a /generation lookup when the id is known. */
export function interruptedSet(generationId: string | null): Partial<StoredGeneration> {
  return normalizePatch({ status: 'interrupted' }, generationId ? 'pending' : 'none');
}

/** The columns completing `row` with its outcome; with a generation id and no exact cost yet, a backfill is due. */
export function finishedSet(row: StoredGeneration, patch: GenerationPatch & { generationId?: string | null }): Partial<StoredGeneration> {
  const { generationId, ...fields } = patch;
  const gid = row.generation_id ?? (generationId ? cleanText(generationId) : null);
  const set = normalizePatch(fields, gid && fields.costSource !== 'generation' ? 'pending' : 'none');
  return gid && !row.generation_id ? { ...set, generation_id: gid } : set;
}
