/**
 * The server side of the obfs, wss and obfs4 transports: a listener whose authenticated connections come
 * out as what the tunnel runs on (obfs: the socket and its framing; wss: its framed stream; obfs4: the socket) (`plain` is the tunnel listener's own port). One port per
 * transport: a censor probing one port learns nothing about another, and no transport has to
 * announce itself in its first bytes for a dispatcher to recognise it.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { TRANSPORT_HIGH_WATER_MARK } from './constants.ts';
import { TransportError } from './errors.ts';
import { acceptObfs } from './obfs.ts';
import { listenObfs4 } from './obfs4.ts';
import { SaltMemory } from './SaltMemory.ts';
import type { Obfs4IatMode, TransportSpec } from './transportSpec.ts';
import type { TransportConnection } from './WireFraming.ts';
import { createWssServer } from './wss.ts';

export type TransportListenConfig = { host?: string; port?: number; timeoutMs?: number } & (
  | { name: 'obfs'; psk: Buffer; jitterMs?: number }
  /** Debian's obfs4proxy as a managed transport (`obfs4.ts`); its keys live in `stateDir`. */
  | { name: 'obfs4'; stateDir: string; iatMode?: Obfs4IatMode }
  | {
      name: 'wss';
      path: string;
      /** PEM key and certificate; absent: plain HTTP behind a TLS-terminating proxy. */
      tls?: { key: string | Buffer; cert: string | Buffer };
      coverPage?: string;
      /** What clients are told in the offer (the proxy's name, the certificate pin). */
      serverName?: string;
      certSha256?: string;
      /**
       * `bind=1` in the offer: `tls` is this listener's own and nothing terminates TLS in front of it (no proxy or
       * CDN), so the tunnel binds to each connection's TLS session and sends clear records inside it.
       */
      bind?: boolean;
    }
);

export type TransportServer = {
  name: 'obfs' | 'wss' | 'obfs4';
  address: { host: string; port: number };
  /** What a client needs to dial it (the offer's params). */
  spec: TransportSpec;
  close(): Promise<void>;
};

export async function listenTransport(
  config: TransportListenConfig,
  onStream: (connection: TransportConnection) => void,
): Promise<TransportServer> {
  if (config.name === 'obfs4') {
    const obfs4 = await listenObfs4({
      ...config,
      host: config.host ?? '127.0.0.1',
      // obfs4proxy does the framing: the tunnel reads the socket from it as it would a plain one.
      onStream: (socket) => onStream({ socket }),
    });
    return { name: 'obfs4', ...obfs4 };
  }
  const sockets = new Set<Socket>();
  let server: Server;
  let spec: TransportSpec;
  if (config.name === 'obfs') {
    const salts = new SaltMemory();
    spec = { name: 'obfs', psk: config.psk, ...(config.jitterMs ? { jitterMs: config.jitterMs } : {}) };
    server = createServer(
      { allowHalfOpen: true, noDelay: true, highWaterMark: TRANSPORT_HIGH_WATER_MARK },
      (socket) => {
        void acceptObfs(socket, {
          psk: config.psk,
          jitterMs: config.jitterMs,
          salts,
          timeoutMs: config.timeoutMs,
        }).then((connection) => connection && onStream(connection));
      },
    );
  } else {
    if (config.bind && !config.tls) {
      throw new TransportError('Bad transport parameters: bind needs the listener to speak TLS itself', {
        code: 'TRANSPORT_BAD_PARAMS',
      });
    }
    spec = {
      name: 'wss',
      path: config.path,
      ...(config.serverName ? { serverName: config.serverName } : {}),
      ...(config.certSha256 ? { certSha256: config.certSha256 } : {}),
      ...(config.bind ? { bind: true as const } : {}),
    };
    server = createWssServer({
      path: config.path,
      tls: config.tls,
      coverPage: config.coverPage,
      bind: config.bind,
      // wss frames in its own stream (`WssStream`, its handshake's flights held and padded): no framing of ours.
      onStream: (stream, binding) => onStream(binding ? { socket: stream, binding } : { socket: stream }),
    });
  }
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port ?? 0, config.host ?? '127.0.0.1', () => resolve());
  });
  const bound = server.address() as { address: string; port: number };
  return {
    name: config.name,
    address: { host: bound.address, port: bound.port },
    spec,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
