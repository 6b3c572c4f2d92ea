/** A TCP connection for a transport, set up like the tunnel's (no Nagle, half-open, large buffers). */
import { connect, type NetConnectOpts, type Socket } from 'node:net';
import { TRANSPORT_HIGH_WATER_MARK } from './constants.ts';
import { TransportError } from './errors.ts';

export type ConnectTcpParameters = {
  host: string;
  port: number;
  signal?: AbortSignal;
  /** Read straight into a caller's buffer (the plain transport's fast path, `createReceiveArea`). */
  onread?: NetConnectOpts['onread'];
};

export async function connectTcp({ host, port, signal, onread }: ConnectTcpParameters): Promise<Socket> {
  const socket = connect({
    host,
    port,
    onread,
    noDelay: true,
    allowHalfOpen: true,
    writableHighWaterMark: TRANSPORT_HIGH_WATER_MARK,
  } as NetConnectOpts);
  socket.on('error', () => {});
  const onAbort = () => socket.destroy();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
      socket.once('close', () => reject(new Error('closed')));
    });
  } catch (cause) {
    throw new TransportError('Could not connect', { code: 'TRANSPORT_CONNECT_FAILED', cause });
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  return socket;
}
