/**
 * Child processes owned by the E2E harness. Each runs in its own process group, so stopping it also
 * stops what it started (code-server's extension host, chromium's renderers). Every live group is
 * recorded as a pid file under $E2E_RUN_DIR for the runner to reap if a suite process dies, and is
 * killed when this process exits.
 */
import { spawn, type SpawnOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { env } from './paths';

const OUTPUT_TAIL_CHARS = 20_000;
const liveGroups = new Set<number>();

let exitHandlersInstalled = false;

/** Installed by the first tracked group, so importing this module alone (the runner does) changes nothing. */
function installExitHandlers(): void {
  if (exitHandlersInstalled) return;
  exitHandlersInstalled = true;
  const killLiveGroups = (): void => {
    for (const pgid of liveGroups) signalGroup(pgid, 'SIGKILL');
  };
  process.on('exit', killLiveGroups);
  // Death by signal skips 'exit' handlers: a suite stopped by the runner's watchdog or Ctrl+C cleans up here.
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) {
    process.once(signal, () => {
      killLiveGroups();
      process.exit(code);
    });
  }
}

export interface ManagedProcess {
  readonly pid: number;
  /** Resolves with the exit code (or null when killed by a signal). */
  readonly exited: Promise<number | null>;
  /** The last few thousand characters of stdout+stderr, for failure messages. */
  outputTail(): string;
  /** Resolves once `pattern` appears in the output, rejects if the process exits first or time runs out. */
  waitForOutput(pattern: RegExp, timeoutMs: number): Promise<void>;
  /** SIGTERM to the group, SIGKILL after a grace period; resolves when the leader is gone. */
  stop(): Promise<void>;
}

export function startProcessGroup(command: string, args: string[], options: SpawnOptions = {}): ManagedProcess {
  const child = spawn(command, args, { ...options, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  const pid = child.pid;
  trackGroup(pid);

  let output = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
    for (const listener of listeners) listener();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);

  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => {
      exitCode = code;
      for (const listener of listeners) listener();
      resolve(code);
    });
  });

  return {
    pid,
    exited,
    outputTail: () => output,
    waitForOutput(pattern, timeoutMs) {
      return new Promise<void>((resolve, reject) => {
        const check = (): void => {
          if (pattern.test(output)) finish();
          else if (exitCode !== undefined) finish(new Error(`${command} exited (${exitCode}) before printing ${pattern}:\n${output}`));
        };
        const timer = setTimeout(() => finish(new Error(`no ${pattern} from ${command} after ${timeoutMs} ms:\n${output}`)), timeoutMs);
        const finish = (error?: Error): void => {
          clearTimeout(timer);
          listeners.delete(check);
          if (error) reject(error);
          else resolve();
        };
        listeners.add(check);
        check();
      });
    },
    async stop() {
      if (exitCode === undefined) {
        signalGroup(pid, 'SIGTERM');
        const graceful = await Promise.race([exited.then(() => true), delay(5_000).then(() => false)]);
        if (!graceful) signalGroup(pid, 'SIGKILL');
        await exited;
      }
      // Members of the group can outlive their leader (an orphaned extension host, for example).
      signalGroup(pid, 'SIGKILL');
      untrackGroup(pid);
    },
  };
}

/** Records a process group started by someone else (playwright starts chromium in its own group). */
export function trackGroup(pgid: number): void {
  installExitHandlers();
  liveGroups.add(pgid);
  const runDir = process.env[env.runDir];
  if (runDir) fs.writeFileSync(path.join(pidDir(runDir), String(pgid)), '');
}

export function untrackGroup(pgid: number): void {
  liveGroups.delete(pgid);
  const runDir = process.env[env.runDir];
  if (runDir) fs.rmSync(path.join(pidDir(runDir), String(pgid)), { force: true });
}

export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

/** Kills every group recorded under `runDir`; returns how many were still alive. */
export function reapRecordedGroups(runDir: string): number {
  const dir = pidDir(runDir);
  let alive = 0;
  for (const name of fs.readdirSync(dir)) {
    const pgid = Number(name);
    if (Number.isInteger(pgid) && pgid > 1 && groupIsAlive(pgid)) {
      alive++;
      signalGroup(pgid, 'SIGKILL');
    }
    fs.rmSync(path.join(dir, name), { force: true });
  }
  return alive;
}

/** Pids of this process's direct children whose command name matches `comm`. */
export function childPidsNamed(comm: RegExp): number[] {
  return listProcesses()
    .filter((p) => p.ppid === process.pid && comm.test(p.comm))
    .map((p) => p.pid);
}

/** A group is alive while a member is not a zombie (zombies wait for init to reap them). */
function groupIsAlive(pgid: number): boolean {
  return listProcesses().some((p) => p.pgid === pgid && p.state !== 'Z');
}

interface ProcessInfo {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  pgid: number;
}

function listProcesses(): ProcessInfo[] {
  const processes: ProcessInfo[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Format: pid (comm) state ppid pgrp ...; comm may contain spaces and parentheses.
      const close = stat.lastIndexOf(')');
      const [state, ppid, pgid] = stat.slice(close + 2).split(' ');
      processes.push({ pid: Number(entry), comm: stat.slice(stat.indexOf('(') + 1, close), state, ppid: Number(ppid), pgid: Number(pgid) });
    } catch {
      // The process ended while we looked.
    }
  }
  return processes;
}

function pidDir(runDir: string): string {
  const dir = path.join(runDir, 'pids');
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
