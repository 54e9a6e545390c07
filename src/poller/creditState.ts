/**
 * The credit reading all windows share: written by whichever window polled, read by the others.
 * It is the only thing the status bar renders from, so every window shows the same figures.
 */
import * as path from 'node:path';
import { promises as fs } from 'node:fs';
import type { Credits, KeyInfo } from '../openrouter/types';
import type { Level } from './spendable';
import { readJsonFile, writeFileAtomic } from '../util/atomicFile';

export interface CreditReading {
  fetchedAt: number;
  key: KeyInfo;
  credits: Credits | null;
  /** Why /credits gave nothing (e.g. it needs a management key); shown in the tooltip. */
  creditsNote: string | null;
}

export interface SharedCreditState {
  reading: CreditReading | null;
  lastAttemptAt: number;
  consecutiveFailures: number;
  lastError: { message: string; at: number } | null;
  /** Level at the last reading, so a crossing notifies once across all windows. */
  lastLevel: Level | null;
}

export const EMPTY_STATE: SharedCreditState = {
  reading: null,
  lastAttemptAt: 0,
  consecutiveFailures: 0,
  lastError: null,
  lastLevel: null,
};

export class CreditStateFile {
  readonly file: string;

  constructor(dir: string) {
    this.file = path.join(dir, 'credit-state.json');
  }

  async read(): Promise<SharedCreditState> {
    const parsed = await readJsonFile<Partial<SharedCreditState>>(this.file);
    if (!parsed || typeof parsed !== 'object') return { ...EMPTY_STATE };
    return { ...EMPTY_STATE, ...parsed };
  }

  async write(state: SharedCreditState): Promise<void> {
    await writeFileAtomic(this.file, JSON.stringify(state));
  }

  /** Modification time, to notice another window's write cheaply. */
  async version(): Promise<number> {
    try {
      return (await fs.stat(this.file)).mtimeMs;
    } catch {
      return 0;
    }
  }

  async clear(): Promise<void> {
    await fs.rm(this.file, { force: true });
  }
}
