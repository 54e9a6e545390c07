/**
 * How bytes reach OpenRouter. The client only sees a `Transport`: a fetch-shaped function.
 *
 * Design note — why two factories and why everything else lives in the client:
 * - In the VS Code extension host the global `fetch` is VS Code's patched one (undici inside).
 *   It resolves `http.proxy`, PAC/OS proxies, `http.noProxy`, proxy authentication and adds the
 *   OS certificate store. A bundled undici (esbuild inlines ours) is invisible to that patch and
 *   would bypass all of it, so the extension uses `hostFetchTransport(globalThis.fetch)`.
 * - The patched fetch keeps only `allowH2`, the CA options and `socketPath` from a dispatcher we
 *   pass and replaces the rest (timeouts, keep-alive, interceptors). So an extra CA goes in as an
 *   undici `Agent` with `connect.ca`, and nothing else is configured on dispatchers: deadlines are
 *   AbortSignals and retries are done by the client, which hold on either transport. Without an
 *   extra CA no dispatcher is passed at all: with `http.proxySupport: "on"` a caller's dispatcher
 *   makes VS Code skip proxy resolution.
 * - When VS Code's fetch support is off (`http.fetchAdditionalSupport: false`) or outside VS Code
 *   (tests, CLI), `undiciTransport` uses the bundled undici `fetch` with its own `ProxyAgent`
 *   (HTTP CONNECT tunnel) or `Agent`, chosen per request against a noProxy list. Loopback hosts are
 *   not bypassed implicitly: only what noProxy lists goes direct.
 * - `setGlobalDispatcher` is never called: it would change networking for every extension in the
 *   host (it broke other extensions' proxy handling in the past).
 * - A CA given by the user is added to the default roots, not used instead of them: Node's `ca`
 *   option (and VS Code's, once a dispatcher carries one) replaces the trust store. The defaults
 *   are Node's bundled roots plus, where Node can read it (22.15+, i.e. current VS Code), the OS
 *   store, so corporate roots installed in the OS keep working next to the extra CA.
 */
import * as tls from 'node:tls';
import type { Dispatcher } from 'undici';

type Undici = typeof import('undici');
let undiciModule: Undici | undefined;
/**
 * undici is loaded on first use, not when the extension activates: inside VS Code the host's
 * fetch is the transport and undici is only needed for an extra CA or a proxy of our own.
 */
function undici(): Undici {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  undiciModule ??= require('undici') as Undici;
  return undiciModule;
}
import type { HeaderReader } from './errors';

export interface TransportRequestInit {
  method: string;
  headers: Record<string, string>;
  body?: string;
  signal: AbortSignal;
}

/** The reader of a response body stream (WHATWG ReadableStreamDefaultReader, narrowed). */
export interface ByteReader {
  read(): Promise<{ done: boolean; value?: Uint8Array }>;
  cancel(reason?: unknown): Promise<void>;
}

export interface TransportResponse {
  readonly status: number;
  readonly headers: HeaderReader;
  readonly body: { getReader(): ByteReader } | null;
  text(): Promise<string>;
}

/** A fetch-compatible function (undici's / WHATWG fetch shape, narrowed to what the client uses). */
export type Transport = (url: string, init: TransportRequestInit) => Promise<TransportResponse>;

/** A transport owning connection pools; `close()` releases them (idle sockets, proxy tunnels). */
export interface ClosableTransport extends Transport {
  close(): Promise<void>;
}

/** What `hostFetchTransport` needs from a fetch implementation (VS Code's patched global fetch). */
export type FetchLike = (url: string, init: TransportRequestInit & { dispatcher?: Dispatcher }) => Promise<TransportResponse>;

/** Extra CA certificates (PEM) added to Node's bundled root store. */
export type CaOption = string | readonly string[];

/** `tls.getCACertificates` exists from Node 22.15; older runtimes (tests on Node 20) lack it. */
function systemCertificates(): string[] {
  const reader = (tls as { getCACertificates?: (type: 'system') => string[] }).getCACertificates;
  try {
    return typeof reader === 'function' ? reader('system') : [];
  } catch {
    return [];
  }
}

function trustStore(ca: CaOption | undefined): string[] | undefined {
  if (ca === undefined) return undefined;
  const extra = (typeof ca === 'string' ? [ca] : [...ca]).filter((pem) => pem.trim() !== '');
  return extra.length === 0 ? undefined : [...new Set([...tls.rootCertificates, ...systemCertificates(), ...extra])];
}

function closable(transport: Transport, dispatchers: () => Dispatcher[]): ClosableTransport {
  return Object.assign(transport, {
    close: async () => {
      await Promise.all(dispatchers().map((d) => d.close().catch(() => undefined)));
    },
  });
}

/**
 * The extension-host transport: VS Code's fetch with everything it adds. With `ca`, the request
 * carries an undici Agent whose `connect.ca` VS Code reads and keeps.
 */
export function hostFetchTransport(fetchImpl: FetchLike, options: { ca?: CaOption } = {}): ClosableTransport {
  const ca = trustStore(options.ca);
  const dispatcher = ca ? new (undici().Agent)({ connect: { ca } }) : undefined;
  const transport: Transport = (url, init) => fetchImpl(url, dispatcher ? { ...init, dispatcher } : init);
  return closable(transport, () => (dispatcher ? [dispatcher] : []));
}

export interface UndiciTransportOptions {
  /** `http://[user:pass@]host:port` (CONNECT tunnel); `https://` and `socks5://` work too. */
  proxyUrl?: string;
  /** Hosts that go direct: `example.com` (and its subdomains), `.example.com`, `*.example.com`, `host:port`, `*`. */
  noProxy?: readonly string[];
  ca?: CaOption;
  /** Only for diagnosing a broken proxy; defaults to true. */
  rejectUnauthorized?: boolean;
}

/** Bundled undici fetch with its own proxy and TLS settings (outside VS Code's fetch support). */
export function undiciTransport(options: UndiciTransportOptions = {}): ClosableTransport {
  const ca = trustStore(options.ca);
  const tlsOptions = { ...(ca ? { ca } : {}), ...(options.rejectUnauthorized === false ? { rejectUnauthorized: false } : {}) };
  const proxyUrl = options.proxyUrl?.trim() ? validProxyUrl(options.proxyUrl.trim()) : undefined;
  const noProxy = options.noProxy ?? [];
  let direct: Dispatcher | undefined;
  let proxy: Dispatcher | undefined;
  const dispatcherFor = (url: string): Dispatcher => {
    if (proxyUrl && !bypassesProxy(new URL(url), noProxy)) {
      proxy ??= new (undici().ProxyAgent)({ uri: proxyUrl, requestTls: tlsOptions, proxyTls: tlsOptions });
      return proxy;
    }
    direct ??= new (undici().Agent)({ connect: tlsOptions });
    return direct;
  };
  const transport: Transport = (url, init) => undici().fetch(url, { ...init, dispatcher: dispatcherFor(url) });
  return closable(transport, () => [direct, proxy].filter((d): d is Dispatcher => d !== undefined));
}

/** A proxy URL that cannot be used. The message quotes no part of the URL: it may hold a password. */
export class ProxySettingError extends TypeError {}

function validProxyUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text.includes('://') ? text : `http://${text}`);
  } catch {
    throw new ProxySettingError('it is not a valid URL (expected http://host:port)');
  }
  if (!['http:', 'https:', 'socks:', 'socks5:'].includes(url.protocol)) {
    throw new ProxySettingError(`the scheme ${url.protocol} is not supported (use http://, https:// or socks5://)`);
  }
  return url.href;
}

/**
 * `undiciTransport`, except that an unusable proxy URL does not throw: `onInvalidProxy` gets the
 * reason (once, for this transport) and requests go direct, so a typo in a proxy setting cannot
 * stop the extension from starting.
 */
export function undiciTransportOrDirect(options: UndiciTransportOptions, onInvalidProxy: (reason: string) => void): ClosableTransport {
  try {
    return undiciTransport(options);
  } catch (err) {
    if (!(err instanceof ProxySettingError)) throw err;
    onInvalidProxy(err.message);
    return undiciTransport({ ...options, proxyUrl: undefined });
  }
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** Splits a noProxy entry into host and optional port, tolerating a scheme and IPv6 brackets. */
function parseNoProxyEntry(entry: string): { host: string; port: string | null } {
  const text = entry.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/\/.*$/, '');
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracketed) return { host: bracketed[1], port: bracketed[2] ?? null };
  const hostPort = /^([^:]+):(\d+)$/.exec(text);
  if (hostPort) return { host: hostPort[1], port: hostPort[2] };
  return { host: text, port: null };
}

/**
 * True when `url` must not go through the proxy. Matching follows curl/VS Code `http.noProxy`:
 * an entry matches the host itself and its subdomains; a leading `.` or `*.` is optional; a port
 * restricts the entry to that port; `*` matches everything.
 */
export function bypassesProxy(url: URL, noProxy: readonly string[]): boolean {
  const host = stripBrackets(url.hostname.toLowerCase());
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  for (const raw of noProxy) {
    const entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') return true;
    const parsed = parseNoProxyEntry(entry);
    if (parsed.port !== null && parsed.port !== port) continue;
    const domain = parsed.host.replace(/^\*?\./, '');
    if (domain !== '' && (host === domain || host.endsWith(`.${domain}`))) return true;
  }
  return false;
}

/** Proxy settings from `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY`, for use outside VS Code. */
export function proxySettingsFromEnv(env: NodeJS.ProcessEnv): Pick<UndiciTransportOptions, 'proxyUrl' | 'noProxy'> {
  const proxyUrl = env.https_proxy || env.HTTPS_PROXY || env.http_proxy || env.HTTP_PROXY || undefined;
  const noProxy = (env.no_proxy || env.NO_PROXY || '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  return { proxyUrl, noProxy };
}
