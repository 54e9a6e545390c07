/**
 * The simulator's HTTP(S) server: records every request, applies injected faults, routes below
 * /api/v1, and doubles as a minimal forward proxy to itself (absolute-form requests and CONNECT
 * tunnels) so proxy support can be tested with `viaProxy` set on the recorded requests.
 */
import { createServer as createHttpServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { AddressInfo, connect, Socket } from 'node:net';
import { RequestContext, SimulatorCore } from './context';
import { errorBody, sendError } from './errors';
import { FaultQueue, sendMalformedJson, sendStatusFault } from './faults';
import { readBody, sendJson, sleep } from './http';
import { recordRequest } from './recording';
import { matchRoute } from './router';
import { AccountState } from './state';
import { RecordedRequest, RuntimeOptions, SimulatorOptions } from './types';

const API_BASE = '/api/v1';

export const DEFAULT_RUNTIME_OPTIONS: RuntimeOptions = {
  generationDelayMs: 1500,
  creditsForInferenceKey: 'forbid',
  streamChunkDelayMs: 5,
  usageChunkVariant: 'empty-choices',
  keepAliveComments: true,
  lineEnding: '\n',
  multiLineData: false,
  downProviders: [],
  byokProviders: [],
  generationNotReady: '404',
  analyticsMalformed: null,
};

export interface RunningServer {
  core: SimulatorCore;
  requests: RecordedRequest[];
  origin: string;
  close(): Promise<void>;
}

function parseJsonBody(text: string): { body: unknown; invalid: boolean } {
  if (!text.trim()) return { body: undefined, invalid: false };
  try {
    return { body: JSON.parse(text) as unknown, invalid: false };
  } catch {
    return { body: text, invalid: true };
  }
}

export async function startServer(options: SimulatorOptions, state: AccountState): Promise<RunningServer> {
  const runtime: RuntimeOptions = { ...DEFAULT_RUNTIME_OPTIONS };
  for (const name of Object.keys(DEFAULT_RUNTIME_OPTIONS) as Array<keyof RuntimeOptions>) {
    if (options[name] !== undefined) Object.assign(runtime, { [name]: options[name] });
  }
  const requests: RecordedRequest[] = [];
  const tunnelPorts = new Set<number>();
  const sockets = new Set<Socket>();
  let origin = '';
  const core: SimulatorCore = {
    state,
    options: runtime,
    faults: new FaultQueue(),
    now: options.now ?? (() => new Date()),
    origin: () => origin,
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rawUrl = req.url ?? '/';
    const absoluteForm = /^https?:\/\//i.test(rawUrl);
    const viaProxy = absoluteForm || tunnelPorts.has(req.socket.remotePort ?? -1);
    const url = new URL(absoluteForm ? rawUrl : `http://127.0.0.1${rawUrl.startsWith('/') ? '' : '/'}${rawUrl}`);
    let text: string;
    try {
      text = await readBody(req);
    } catch {
      sendError(res, 413, 'Payload too large');
      return;
    }
    const { body, invalid } = parseJsonBody(text);
    const method = (req.method ?? 'GET').toUpperCase();
    requests.push(recordRequest(req, url, body, viaProxy));

    const fault = core.faults.takeRequestFault(method, url.pathname);
    if (fault?.kind === 'drop') {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'delay') await sleep(fault.ms);
    if (fault?.kind === 'status') return sendStatusFault(res, fault, Date.now());
    if (fault?.kind === 'malformed-json') return sendMalformedJson(res);

    if (!url.pathname.startsWith(API_BASE + '/')) return sendError(res, 404, 'Not Found');
    const route = url.pathname.slice(API_BASE.length);
    const match = matchRoute(method, route);
    if (match === 'not-found') return sendError(res, 404, 'Not Found');
    if (match === 'method-not-allowed') return sendError(res, 405, 'Method Not Allowed');
    const ctx: RequestContext = { req, res, method, route, query: url.searchParams, body, bodyInvalid: invalid, core };
    await match.handler(ctx, match.params);
  }

  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, errorBody(500, 'Internal Server Error', { simulator_error: String(err) }));
      else res.destroy();
    });
  };
  const server: Server = options.https ? createHttpsServer({ key: options.https.key, cert: options.https.cert }, listener) : createHttpServer(listener);

  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('secureConnection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  // CONNECT: a proxy tunnel, allowed only to this simulator itself (no network beyond 127.0.0.1).
  server.on('connect', (req: IncomingMessage, clientSocket: Socket, head: Buffer) => {
    const target = req.url ?? '';
    requests.push({ ...recordRequest(req, new URL('http://127.0.0.1/'), undefined, true), path: target });
    const address = server.address() as AddressInfo;
    const [host, portText] = target.split(':');
    if (Number(portText) !== address.port || !['127.0.0.1', 'localhost'].includes(host)) {
      clientSocket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    const upstream = connect(address.port, '127.0.0.1', () => {
      tunnelPorts.add(upstream.localPort ?? -1);
      clientSocket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(clientSocket);
      clientSocket.pipe(upstream);
    });
    sockets.add(upstream);
    const cleanup = (): void => {
      tunnelPorts.delete(upstream.localPort ?? -1);
      sockets.delete(upstream);
      upstream.destroy();
      clientSocket.destroy();
    };
    upstream.on('error', cleanup);
    upstream.on('close', cleanup);
    clientSocket.on('error', cleanup);
    clientSocket.on('close', cleanup);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  origin = `${options.https ? 'https' : 'http'}://127.0.0.1:${port}`;

  return {
    core,
    requests,
    origin,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
        server.closeAllConnections();
      }),
  };
}
