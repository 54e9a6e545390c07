/**
 * One VS Code window for one suite: temp user-data, extensions and workspace folders, the packaged
 * extension installed from its VSIX, code-server on a free port, and Chromium showing the workbench.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { installExtension, startCodeServer, type CodeServerDirs, type RunningCodeServer } from './codeServer';
import { artifactsRoot, env } from './paths';
import { childPidsNamed, trackGroup, untrackGroup } from './processes';
import { describeLeaks, findSecrets, maskForReport, type SecretLeak } from './secretScan';
import { locateTools } from './tools';
import { ensurePackagedVsix } from './vsix';
import { Workbench } from './workbench';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const VIEWPORT = { width: 1400, height: 900 };

/** Settings that keep the workbench quiet and deterministic: no welcome page, tips, trust prompt or AI chat. */
const BASE_SETTINGS: Record<string, unknown> = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'git.enabled': false,
  'chat.disableAIFeatures': true,
  'window.restoreWindows': 'none',
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
};

export interface SessionOptions {
  /** Names the artifacts folder and temp dirs; use the suite's file name. */
  readonly name: string;
  /** User settings written to settings.json before start (on top of quiet defaults). */
  readonly settings?: Record<string, unknown>;
  /** Files to create in the workspace folder, by relative path. */
  readonly workspaceFiles?: Record<string, string>;
  /** Strings (API keys) that must never appear in files the extension or the tests write. */
  readonly secrets?: readonly string[];
  /** The VSIX to install; default $E2E_VSIX or the repo's packaged one. */
  readonly vsix?: string;
  /** Runs before code-server starts, e.g. to put a prepared ledger into the extension's global storage. */
  readonly prepare?: (dirs: CodeServerDirs & { globalStorage: string }) => Promise<void>;
}

export class VsCodeSession {
  readonly workbench: Workbench;
  readonly artifactsDir: string;
  private readonly secrets: string[];
  private screenshots = 0;
  private shutDown = false;

  private constructor(
    readonly name: string,
    readonly dirs: CodeServerDirs,
    private readonly server: RunningCodeServer,
    private readonly browser: Browser,
    private readonly browserGroups: number[],
    readonly page: Page,
    secrets: readonly string[],
  ) {
    this.workbench = new Workbench(page);
    this.artifactsDir = path.join(artifactsRoot, name);
    fs.mkdirSync(this.artifactsDir, { recursive: true });
    this.secrets = [...secrets];
  }

  static async start(options: SessionOptions): Promise<VsCodeSession> {
    const tools = locateTools();
    const vsix = options.vsix ?? process.env[env.vsix] ?? ensurePackagedVsix();
    // Inside the runner's run dir when there is one, so the runner removes what a crashed suite left.
    const root = fs.mkdtempSync(path.join(process.env[env.runDir] ?? os.tmpdir(), `e2e-${options.name}-`));
    const dirs: CodeServerDirs = {
      root,
      userData: path.join(root, 'user-data'),
      extensions: path.join(root, 'extensions'),
      workspace: path.join(root, 'workspace'),
    };
    let server: RunningCodeServer | undefined;
    let browser: Browser | undefined;
    let browserGroups: number[] = [];
    let page: Page | undefined;
    try {
      writeSettings(dirs, options.settings ?? {});
      writeWorkspace(dirs, options.workspaceFiles ?? {});
      fs.mkdirSync(dirs.extensions, { recursive: true });
      installExtension(tools, dirs, vsix);
      await options.prepare?.({ ...dirs, globalStorage: path.join(dirs.userData, 'User', 'globalStorage', installedExtensionId(dirs.extensions)) });
      server = await startCodeServer(tools, dirs);

      const before = new Set(childPidsNamed(/chrom/i));
      // Chromium's profile bits and crash-report database go to the temp dir, not the user's home.
      const xdg = path.join(root, 'xdg');
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: CHROMIUM_ARGS,
        headless: true,
        env: { ...process.env, XDG_CONFIG_HOME: path.join(xdg, 'config'), XDG_CACHE_HOME: path.join(xdg, 'cache') },
      });
      // Playwright starts chromium as a process-group leader; record it so a crashed suite leaves nothing behind.
      browserGroups = childPidsNamed(/chrom/i).filter((pid) => !before.has(pid));
      browserGroups.forEach(trackGroup);

      const context = await browser.newContext({ viewport: VIEWPORT });
      page = await context.newPage();
      await page.goto(server.url, { waitUntil: 'domcontentloaded', timeout: 60_000 });
      const session = new VsCodeSession(options.name, dirs, server, browser, browserGroups, page, options.secrets ?? []);
      await session.workbench.waitUntilReady();
      return session;
    } catch (error) {
      fs.mkdirSync(path.join(artifactsRoot, options.name), { recursive: true });
      await page?.screenshot({ path: path.join(artifactsRoot, options.name, 'startup-failure.png') }).catch(() => undefined);
      await browser?.close().catch(() => undefined);
      browserGroups.forEach(untrackGroup);
      const serverOutput = server ? `\ncode-server output:\n${server.process.outputTail()}` : '';
      await server?.process.stop();
      fs.rmSync(root, { recursive: true, force: true });
      throw new Error(`${error instanceof Error ? error.message : String(error)}${serverOutput}`);
    }
  }

  /** `publisher.name` of the extension under test (the one installed from the VSIX). */
  get extensionId(): string {
    return installedExtensionId(this.dirs.extensions);
  }

  /** The extension's `globalStorageUri` folder (where the ledger lives). */
  get globalStorageDir(): string {
    return path.join(this.dirs.userData, 'User', 'globalStorage', this.extensionId);
  }

  /** Registers another string that must never be written to a file (e.g. a key created mid-test). */
  addSecret(secret: string): void {
    this.secrets.push(secret);
  }

  /** Saves a PNG of the window under .e2e-artifacts/<suite>/ and returns its path. */
  async screenshot(name: string): Promise<string> {
    this.screenshots++;
    const file = path.join(this.artifactsDir, `${String(this.screenshots).padStart(2, '0')}-${name.replace(/[^\w.-]+/g, '-')}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }

  /** The extension's own output-channel logs (every extension host), concatenated. */
  readExtensionLog(): string {
    const ownDir = `${path.sep}${this.extensionId}${path.sep}`;
    return this.logFiles()
      .filter((f) => f.includes(ownDir))
      .map((f) => fs.readFileSync(f, 'utf8'))
      .join('');
  }

  /** Extension host log: activation, uncaught errors of every installed extension. */
  readExtensionHostLog(): string {
    return this.logFiles()
      .filter((f) => /remoteexthost\.log$|exthost\.log$/.test(f))
      .map((f) => fs.readFileSync(f, 'utf8'))
      .join('');
  }

  /**
   * Every file that contains a registered secret, among all the server side wrote (workspace, user data
   * with the extension's storage and logs, extensions) and this suite's artifacts. code-server keeps
   * SecretStorage in the browser, so no server-side file has a reason to hold a key.
   */
  findLeakedSecrets(): SecretLeak[] {
    return findSecrets([this.dirs.root, this.artifactsDir], this.secrets);
  }

  /** Takes a last screenshot, closes the browser and stops code-server; files stay until dispose(). */
  async shutdown(): Promise<void> {
    if (this.shutDown) return;
    this.shutDown = true;
    if (await this.dismissDialogs()) await this.screenshot('final').catch(() => undefined);
    await this.browser.close().catch(() => undefined);
    this.browserGroups.forEach(untrackGroup);
    await this.server.process.stop();
  }

  /**
   * Presses Escape until no modal dialog is open: a test that failed mid-way may have left one up,
   * such as the one showing a new key's secret, which the final screenshot must not show.
   * False when one is still open (then no screenshot is taken).
   */
  private async dismissDialogs(): Promise<boolean> {
    const dialog = this.page.locator('.monaco-dialog-box');
    for (let attempt = 0; attempt < 10; attempt++) {
      if (!(await dialog.first().isVisible().catch(() => false))) return true;
      await this.page.keyboard.press('Escape').catch(() => undefined);
      await this.page.waitForTimeout(200);
    }
    return !(await dialog.first().isVisible().catch(() => true));
  }

  /**
   * Shuts down, copies VS Code's logs into the artifacts (with every secret masked), removes the temp
   * folders, and throws if a secret leaked into any written file.
   */
  async dispose(): Promise<void> {
    await this.shutdown();
    const leaks = this.findLeakedSecrets();
    this.copyLogsToArtifacts();
    fs.rmSync(this.dirs.root, { recursive: true, force: true });
    if (leaks.length > 0) throw new Error(`secrets were written to files:\n${describeLeaks(leaks)}`);
  }

  private copyLogsToArtifacts(): void {
    const logsRoot = path.join(this.dirs.userData, 'logs');
    for (const file of this.logFiles()) {
      const target = path.join(this.artifactsDir, 'logs', path.relative(logsRoot, file));
      fs.mkdirSync(path.dirname(target), { recursive: true });
      let text = fs.readFileSync(file, 'utf8');
      for (const secret of this.secrets) text = text.split(secret).join(maskForReport(secret));
      fs.writeFileSync(target, text);
    }
  }

  private logFiles(): string[] {
    const logsRoot = path.join(this.dirs.userData, 'logs');
    if (!fs.existsSync(logsRoot)) return [];
    return (fs.readdirSync(logsRoot, { recursive: true }) as string[])
      .map((rel) => path.join(logsRoot, rel))
      .filter((f) => f.endsWith('.log') && fs.statSync(f).isFile());
  }
}

function writeSettings(dirs: CodeServerDirs, settings: Record<string, unknown>): void {
  const userDir = path.join(dirs.userData, 'User');
  fs.mkdirSync(userDir, { recursive: true });
  fs.writeFileSync(path.join(userDir, 'settings.json'), JSON.stringify({ ...BASE_SETTINGS, ...settings }, null, 2));
}

function writeWorkspace(dirs: CodeServerDirs, files: Record<string, string>): void {
  fs.mkdirSync(dirs.workspace, { recursive: true });
  for (const [relative, content] of Object.entries(files)) {
    const file = path.join(dirs.workspace, relative);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
  }
}

function installedExtensionId(extensionsDir: string): string {
  const folder = fs.readdirSync(extensionsDir).find((name) => /-\d+\.\d+\.\d+/.test(name));
  if (!folder) throw new Error(`no extension installed in ${extensionsDir}`);
  return folder.replace(/-\d+\.\d+\.\d+.*$/, '');
}
