/**
 * A tiny HTTP CONNECT proxy on 127.0.0.1 for transport tests. It records every tunnel it opens
 * (target and whether proxy credentials came along), tunnels only to 127.0.0.1, and refuses
 * plain forward requests so a test knows the client really tunnelled.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';

export interface ConnectRecord {
  target: string;
  /** The Proxy-Authorization value, if any (test credentials only). */
  proxyAuthorization: string | null;
}

export interface ConnectProxy {
  readonly url: string;
  readonly connects: ConnectRecord[];
  /** Forward (non-CONNECT) requests that were refused. */
  readonly refusedForwardRequests: number;
  close(): Promise<void>;
}

export async function startConnectProxy(options: { requireAuthorization?: string } = {}): Promise<ConnectProxy> {
  const connects: ConnectRecord[] = [];
  const sockets = new Set<Socket>();
  let refused = 0;
  const server: Server = createServer((_req, res) => {
    refused++;
    res.writeHead(405, { 'content-type': 'text/plain' }).end('This test proxy only tunnels (CONNECT).');
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    const target = req.url ?? '';
    const proxyAuthorization = req.headers['proxy-authorization'] ?? null;
    connects.push({ target, proxyAuthorization });
    if (options.requireAuthorization !== undefined && proxyAuthorization !== options.requireAuthorization) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\n\r\n');
      return;
    }
    const [host, port] = [target.slice(0, target.lastIndexOf(':')), Number(target.slice(target.lastIndexOf(':') + 1))];
    if (host !== '127.0.0.1' && host !== 'localhost') {
      client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    const upstream = connect(port, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    const teardown = () => {
      sockets.delete(upstream);
      upstream.destroy();
      client.destroy();
    };
    upstream.on('error', teardown);
    upstream.on('close', teardown);
    client.on('error', teardown);
    client.on('close', teardown);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    connects,
    get refusedForwardRequests() {
      return refused;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
        server.closeAllConnections();
      }),
  };
}
