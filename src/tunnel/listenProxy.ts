/** Shared listener plumbing of the SOCKS5 and HTTP fronts: bind, track sockets, close. */
import { createServer, type Socket } from 'node:net';
import { SOCKET_HIGH_WATER_MARK } from './constants.ts';
import type { ProxyServer } from './frontTypes.ts';

export async function listenProxy(
  host: string,
  port: number,
  handle: (socket: Socket) => Promise<void>,
): Promise<ProxyServer> {
  const sockets = new Set<Socket>();
  const server = createServer(
    { allowHalfOpen: true, noDelay: true, highWaterMark: SOCKET_HIGH_WATER_MARK },
    (socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      socket.on('error', () => {});
      handle(socket).catch(() => socket.destroy());
    },
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const bound = server.address() as { address: string; port: number };
  return {
    server,
    address: { host: bound.address, port: bound.port },
    sockets,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
