/** Test and bench fixtures: an origin HTTP server with a random body, providers, a client with fronts. */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { type ClientSession, connectClientSession } from '../../src/tunnel/connectClientSession.ts';
import { createExitPolicy } from '../../src/tunnel/exitPolicy.ts';
import type { ProxyServer } from '../../src/tunnel/frontTypes.ts';
import type { Destination } from '../../src/tunnel/muxFrame.ts';
import { startHttpProxyServer } from '../../src/tunnel/startHttpProxyServer.ts';
import { startSocksServer } from '../../src/tunnel/startSocksServer.ts';
import { type ProviderRole, startTunnelListener, type TunnelListener } from '../../src/tunnel/startTunnelListener.ts';
import { generateStaticKeyPair } from '../../src/tunnel/x25519.ts';

export type Origin = { server: Server; port: number; body: Buffer; close(): Promise<void> };

/** HTTP origin on 127.0.0.1 serving `body` at every path. */
export async function startOrigin(size: number): Promise<Origin> {
  const body = randomBytes(size);
  const server = createServer((req, res) => {
    // `Range: bytes=N-` resumes a download (curl -C -); anything else gets the whole body.
    const from = Number(/^bytes=(\d+)-$/.exec(req.headers.range ?? '')?.[1] ?? Number.NaN);
    if (from >= 0 && from < body.length) {
      res.writeHead(206, {
        'content-length': body.length - from,
        'content-range': `bytes ${from}-${body.length - 1}/${body.length}`,
        'content-type': 'application/octet-stream',
      });
      res.end(body.subarray(from));
      return;
    }
    res.writeHead(200, {
      'content-length': body.length,
      'content-type': 'application/octet-stream',
      'accept-ranges': 'bytes',
    });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    server,
    body,
    port: (server.address() as { port: number }).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type Network = {
  providers: (TunnelListener & { publicKey: Buffer })[];
  client: ClientSession;
  /** SOCKS5 front as shipped (optimistic CONNECT replies). */
  socks: ProxyServer;
  /** SOCKS5 front that waits for the exit and replies with its exact code (`optimistic: false`). */
  socksExact: ProxyServer;
  http: ProxyServer;
  close(): Promise<void>;
};

/** `hops` devnet providers on 127.0.0.1 and a client session through all of them, with both fronts. */
export async function startNetwork(
  hops: number,
  { devnet = true, roles = [] as ProviderRole[], flowIdleMs = undefined as number | undefined } = {},
): Promise<Network> {
  const providers: Network['providers'] = [];
  for (let i = 0; i < hops; i++) {
    const staticKeys = generateStaticKeyPair();
    const listener = await startTunnelListener({
      staticKeys,
      policy: createExitPolicy({ devnet }),
      role: roles[i],
      flowIdleMs,
    });
    providers.push(Object.assign(listener, { publicKey: staticKeys.publicKey }));
  }
  const client = await connectClientSession({
    hops: providers.map((p) => ({ host: p.address.host, port: p.address.port, publicKey: p.publicKey })),
  });
  const openStream = client.openStream;
  const openFlow = async (destination: Destination) => client.openFlow(destination);
  const socks = await startSocksServer({ openStream, openFlow });
  const socksExact = await startSocksServer({ openStream, optimistic: false });
  const http = await startHttpProxyServer({ openStream });
  return {
    providers,
    client,
    socks,
    socksExact,
    http,
    close: async () => {
      client.close();
      await socks.close();
      await socksExact.close();
      await http.close();
      for (const p of providers) await p.close();
    },
  };
}

/** Reads a socket to its end. */
export function readAll(socket: Socket): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.once('end', () => resolve(Buffer.concat(chunks)));
    socket.once('error', reject);
  });
}

/** Connects to 127.0.0.1:port. */
export function dial(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, noDelay: true });
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Downloads `path` from 127.0.0.1:originPort through a SOCKS5 front (domain-name form). */
export async function socksGet(socksPort: number, host: string, originPort: number, path = '/'): Promise<Buffer> {
  const socket = await dial(socksPort);
  const all = readAll(socket);
  const name = Buffer.from(host);
  const port = Buffer.alloc(2);
  port.writeUInt16BE(originPort);
  socket.write(Buffer.concat([Buffer.of(5, 1, 0, 5, 1, 0, 3, name.length), name, port]));
  socket.write(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
  const raw = await all;
  if (raw[0] !== 5 || raw[1] !== 0 || raw[2] !== 5 || raw[3] !== 0)
    throw new Error(`SOCKS failure ${raw.subarray(0, 4).toString('hex')}`);
  return httpBody(raw.subarray(12));
}

/** Strips an HTTP response head. */
export function httpBody(raw: Buffer): Buffer {
  const end = raw.indexOf('\r\n\r\n');
  if (!raw.subarray(0, 12).toString().startsWith('HTTP/1.1 200'))
    throw new Error(`HTTP ${raw.subarray(0, 40).toString()}`);
  return raw.subarray(end + 4);
}

/** A GET of `/` through a tunnel stream to an origin on 127.0.0.1:`port`; the response body. */
export async function muxGet(stream: Duplex, port: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  stream.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`);
  await new Promise<void>((resolve, reject) => {
    stream.once('end', resolve);
    stream.once('error', reject);
  });
  const raw = Buffer.concat(chunks);
  return raw.subarray(raw.indexOf('\r\n\r\n') + 4);
}
