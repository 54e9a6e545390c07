/**
 * The two OpenRouter keys, kept only in VS Code SecretStorage. Environment variables
 * (OPENROUTER_API_KEY / OPENROUTER_MANAGEMENT_KEY, as in the seed scripts) are a read-only
 * fallback for headless and browser-hosted VS Code: never persisted.
 *
 * Without an OS keyring VS Code silently keeps secrets in memory only, so a key can vanish at the
 * next restart. We keep a non-secret marker (masked key + date) in globalState to tell "never set"
 * from "set before but gone now", and say why.
 */
import * as vscode from 'vscode';
import { Disposable } from '../util/disposable';
import { maskKey } from './mask';
import { detectVanished, KEY_ENV_VARS, type KeySlot, type KeySource } from './keySlots';

const SECRET_IDS: Record<KeySlot, string> = {
  inference: 'openrouterLedger.apiKey',
  management: 'openrouterLedger.managementKey',
};
const MARKERS_STATE_KEY = 'openrouterLedger.keyMarkers';

export interface KeyMarker {
  masked: string;
  storedAt: string;
}

export interface KeyStatus {
  slot: KeySlot;
  source: KeySource | undefined;
  masked: string | undefined;
  vanished: KeyMarker | undefined;
}

export class KeyStore extends Disposable {
  private readonly changed = this.register(new vscode.EventEmitter<KeySlot>());
  /** Fires in every window when any window stores or clears a key. */
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly globalState: vscode.Memento,
    private readonly env: NodeJS.ProcessEnv = process.env,
    private readonly onUnavailable?: (err: unknown) => void,
  ) {
    super();
    this.register(
      secrets.onDidChange((e) => {
        for (const slot of Object.keys(SECRET_IDS) as KeySlot[]) {
          if (e.key === SECRET_IDS[slot]) this.changed.fire(slot);
        }
      }),
    );
  }

  async get(slot: KeySlot): Promise<string | undefined> {
    return (await this.fromSecrets(slot)) ?? this.fromEnv(slot);
  }

  async status(slot: KeySlot): Promise<KeyStatus> {
    const secret = await this.fromSecrets(slot);
    const marker = this.markers()[slot];
    const envKey = this.fromEnv(slot);
    const key = secret ?? envKey;
    return {
      slot,
      source: secret ? 'secret-storage' : envKey ? 'environment' : undefined,
      masked: key ? maskKey(key) : undefined,
      vanished: detectVanished(!!marker, !!secret) && marker ? marker : undefined,
    };
  }

  async store(slot: KeySlot, key: string): Promise<void> {
    const trimmed = key.trim();
    await this.secrets.store(SECRET_IDS[slot], trimmed);
    await this.setMarker(slot, { masked: maskKey(trimmed), storedAt: new Date().toISOString() });
  }

  async clear(slot: KeySlot): Promise<void> {
    // Marker first: another window reacting to the secret deletion must not see "vanished".
    await this.setMarker(slot, undefined);
    await this.secrets.delete(SECRET_IDS[slot]);
  }

  /** Forget that a key was stored, once the user has been told it vanished. */
  async forgetVanished(slot: KeySlot): Promise<void> {
    await this.setMarker(slot, undefined);
  }

  private async fromSecrets(slot: KeySlot): Promise<string | undefined> {
    let value: string | undefined;
    try {
      value = await this.secrets.get(SECRET_IDS[slot]);
    } catch (err) {
      // Without a usable keyring VS Code's secret store can fail outright; the environment fallback still applies.
      this.onUnavailable?.(err);
      return undefined;
    }
    return value && value.trim() !== '' ? value.trim() : undefined;
  }

  private fromEnv(slot: KeySlot): string | undefined {
    const value = this.env[KEY_ENV_VARS[slot]];
    return value && value.trim() !== '' ? value.trim() : undefined;
  }

  private markers(): Partial<Record<KeySlot, KeyMarker>> {
    return this.globalState.get<Partial<Record<KeySlot, KeyMarker>>>(MARKERS_STATE_KEY, {});
  }

  private async setMarker(slot: KeySlot, marker: KeyMarker | undefined): Promise<void> {
    const next = { ...this.markers() };
    if (marker) next[slot] = marker;
    else delete next[slot];
    await this.globalState.update(MARKERS_STATE_KEY, next);
  }
}
