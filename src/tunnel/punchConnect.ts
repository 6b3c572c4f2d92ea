/**
 * The socket half of TCP hole punching (docs/nat.md): both ends connect to each other's address from a port
 * they announced beforehand (through the relay), so each end's NAT sees an outgoing connection and lets the
 * other's packets in; when the SYNs cross, TCP's simultaneous open makes one connection of the two attempts.
 * An attempt refused (the other end's SYN has not left yet, so this one met a closed port) is repeated until
 * `PUNCH_WINDOW_MS` has passed.
 */
import { connect, createServer, type Socket } from 'node:net';

/** How long a hole punch keeps trying, and the pause between refused attempts. */
export const PUNCH_WINDOW_MS = 3_000;
const PUNCH_RETRY_MS = 50;

/** A local TCP port free right now (bound and released: the connection that follows binds it again). */
export async function freePort(host?: string): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export type PunchConnectParameters = {
  host: string;
  port: number;
  localPort: number;
  localAddress?: string;
  signal?: AbortSignal;
};

/** Connects to `host:port` from `localPort`, again after each failure, within the window; `undefined` if none connected. */
export async function punchConnect(p: PunchConnectParameters): Promise<Socket | undefined> {
  const deadline = Date.now() + PUNCH_WINDOW_MS;
  while (Date.now() < deadline && !p.signal?.aborted) {
    const socket = await attempt(p, deadline - Date.now());
    if (socket) return socket;
    await new Promise((resolve) => setTimeout(resolve, PUNCH_RETRY_MS));
  }
  return undefined;
}

function attempt(p: PunchConnectParameters, waitMs: number): Promise<Socket | undefined> {
  return new Promise((resolve) => {
    const socket = connect({
      host: p.host,
      port: p.port,
      localPort: p.localPort,
      ...(p.localAddress ? { localAddress: p.localAddress } : {}),
      noDelay: true,
      allowHalfOpen: true,
    });
    const done = (connected: boolean) => {
      clearTimeout(timer);
      socket.removeAllListeners('connect');
      socket.removeAllListeners('error');
      if (connected) {
        socket.on('error', () => {});
        resolve(socket);
      } else {
        socket.destroy();
        resolve(undefined);
      }
    };
    const timer = setTimeout(() => done(false), Math.max(1, waitMs));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
