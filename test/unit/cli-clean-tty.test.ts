/**
 * `clean` on a real terminal: the bundled cli.js runs on a pseudo-terminal (Python's `pty`, so
 * stdin is a TTY as when a user types the command), sees the confirmation prompt, and is answered
 * like a person would. "n" deletes nothing; "y" deletes exactly the rows before the date.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { buildCli, runCli } from './helpers/cliProcess';
import { open, row, tempDir } from './helpers/ledgerFixtures';

/** Starts argv on a pty, waits for `prompt`, types `answer` + Enter, returns what the terminal showed. */
const ON_PTY = `
import os, pty, select, sys
prompt, answer, argv = sys.argv[1].encode(), sys.argv[2].encode(), sys.argv[3:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(argv[0], argv)
shown, sent = b'', False
while True:
    ready, _, _ = select.select([fd], [], [], 30)
    if not ready:
        break
    try:
        data = os.read(fd, 4096)
    except OSError:
        break
    if not data:
        break
    shown += data
    if not sent and prompt in shown:
        os.write(fd, answer + b'\\n')
        sent = True
_, status = os.waitpid(pid, 0)
sys.stdout.write(shown.decode('utf-8', 'replace'))
sys.exit(os.waitstatus_to_exitcode(status))
`;

function onTerminal(answer: string, args: string[]): Promise<{ code: number; shown: string }> {
  return new Promise((resolve) => {
    execFile('python3', ['-c', ON_PTY, '[y/N]', answer, process.execPath, cli, ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', TERM: 'dumb' }, timeout: 60_000,
    }, (err, stdout) => {
      const code = err && typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : err ? -1 : 0;
      resolve({ code, shown: stdout });
    });
  });
}

const scratch = tempDir('cli-tty-build-');
let cli: string;
before(async () => {
  cli = await buildCli(scratch.dir);
});
after(() => scratch.cleanup());

test('clean on a terminal asks first: "n" keeps every row, "y" deletes only those before the date', async () => {
  const t = tempDir('cli-tty-ledger-');
  try {
    const ledger = await open(t.dir);
    for (const day of [10, 11, 12, 20, 21]) await ledger.appendGeneration(row({ ts: Date.UTC(2025, 0, day, 12) }));
    await ledger.close();
    const requests = async () => JSON.parse((await runCli(cli, ['stats', '--all', '--json', '--ledger', t.dir])).stdout).totals.requests;

    const declined = await onTerminal('n', ['clean', '--before', '2025-01-15', '--ledger', t.dir]);
    assert.equal(declined.code, 0, declined.shown);
    assert.match(declined.shown, /Delete 3 requests .*before 2025-01-15T00:00:00\.000Z.*\[y\/N\]/s);
    assert.match(declined.shown, /Nothing deleted\./);
    assert.equal(await requests(), 5);

    const confirmed = await onTerminal('y', ['clean', '--before', '2025-01-15', '--ledger', t.dir]);
    assert.equal(confirmed.code, 0, confirmed.shown);
    assert.match(confirmed.shown, /Deleted 3 requests dated before 2025-01-15/);
    assert.equal(await requests(), 2);
  } finally {
    t.cleanup();
  }
});
