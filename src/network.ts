/**
 * Chooses the transport the OpenRouter client uses inside VS Code (see src/openrouter/transport.ts
 * for the design): VS Code's own patched fetch whenever its fetch support is on, so `http.proxy`,
 * PAC/OS proxies, proxy authentication and system certificates apply exactly as for VS Code itself;
 * the bundled undici with a ProxyAgent built from the same settings when that support is off.
 */
import * as vscode from 'vscode';
import { readFileSync } from 'node:fs';
import { hostFetchTransport, undiciTransportOrDirect, proxySettingsFromEnv, type ClosableTransport } from './openrouter/transport';
import type { LedgerConfig } from './config';
import type { Logger } from './util/logger';
import { describeError } from './util/errors';

/**
 * `report` shows a sentence to the user (the caller shows each one once). An unusable proxy is
 * reported and requests go direct rather than failing activation.
 */
export function createTransport(config: LedgerConfig, logger: Logger, report: (message: string) => void): ClosableTransport {
  const ca = readExtraCa(config.network.extraCaCertificatesFile, logger);
  const http = vscode.workspace.getConfiguration('http');
  const hostFetchPatched = http.get<boolean>('fetchAdditionalSupport', true) !== false && typeof globalThis.fetch === 'function';
  if (hostFetchPatched) {
    logger.debug('transport: VS Code fetch (http.proxy, PAC and system certificates apply)');
    return hostFetchTransport(globalThis.fetch, { ca });
  }
  const env = proxySettingsFromEnv(process.env);
  const fromSetting = http.get<string>('proxy', '').trim();
  const proxyUrl = fromSetting || env.proxyUrl;
  const noProxy = [...http.get<string[]>('noProxy', []), ...(env.noProxy ?? [])];
  logger.debug(`transport: bundled undici${proxyUrl ? ' through the configured proxy' : ''}`);
  return undiciTransportOrDirect({ proxyUrl, noProxy, ca, rejectUnauthorized: http.get<boolean>('proxyStrictSSL', true) }, (reason) => {
    const source = fromSetting ? 'http.proxy' : 'HTTPS_PROXY / HTTP_PROXY';
    const message = vscode.l10n.t('The proxy in {0} cannot be used ({1}). OpenRouter is reached without a proxy until it is fixed.', source, reason);
    logger.warn(message);
    report(message);
  });
}

function readExtraCa(file: string, logger: Logger): string | undefined {
  if (!file.trim()) return undefined;
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const message = vscode.l10n.t('Could not read the CA certificates file {0}: {1}', file, describeError(err, vscode.l10n.t));
    logger.warn(message);
    void vscode.window.showWarningMessage(message);
    return undefined;
  }
}
