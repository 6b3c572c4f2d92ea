/**
 * The client side of every transport: a TCP connection to hop 1, with the framing its `SecureChannel` reads and
 * writes the tunnel's units through. `plain` is the socket alone; `obfs` a socket and its framing, both read in
 * place through `onread` (the tunnel's fast path); `wss` a TLS socket and its WebSocket framing.
 */
import type { NetConnectOpts } from 'node:net';
import { connectTcp } from './connectTcp.ts';
import { dialObfs } from './obfs.ts';
import type { TransportSpec } from './transportSpec.ts';
import type { TransportConnection } from './WireFraming.ts';
import { dialWss } from './wss.ts';

export type DialTransportParameters = {
  host: string;
  port: number;
  signal?: AbortSignal;
  /** For `plain` and `obfs`: read the socket straight into this buffer (the tunnel's `createReceiveArea`). */
  onread?: NetConnectOpts['onread'];
  /** The local address to bind (the system's choice when unset). */
  localAddress?: string;
};

/** Whether `dialTransport` reads this transport's socket through `onread` (else it is TLS, read by Node). */
export function readsInPlace(spec: TransportSpec): boolean {
  return spec.name !== 'wss';
}

/** @throws {TransportError} `TRANSPORT_CONNECT_FAILED` or `TRANSPORT_TIMEOUT`. */
export async function dialTransport(
  spec: TransportSpec,
  target: DialTransportParameters,
): Promise<TransportConnection> {
  if (spec.name === 'plain') return { socket: await connectTcp(target) };
  if (spec.name === 'obfs') return dialObfs(target, spec);
  return dialWss(target, spec);
}
