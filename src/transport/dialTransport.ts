/**
 * The client side of every transport: a TCP connection to hop 1, with the framing its `SecureChannel` reads and
 * writes the tunnel's units through. `plain` is the socket alone; `obfs` a socket and its framing, both read in
 * place through `onread` (the tunnel's fast path); `wss` a TLS socket and its WebSocket framing; `obfs4` the
 * socket to the local obfs4proxy (which does the framing), no framing of ours.
 */
import type { NetConnectOpts } from 'node:net';
import { connectTcp } from './connectTcp.ts';
import { dialObfs } from './obfs.ts';
import { dialObfs4 } from './obfs4.ts';
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

/** Whether `dialTransport` reads this transport's socket through `onread` (wss's is TLS, obfs4's a SOCKS one). */
export function readsInPlace(spec: TransportSpec): boolean {
  return spec.name === 'plain' || spec.name === 'obfs';
}

/** @throws {TransportError} `TRANSPORT_CONNECT_FAILED` or `TRANSPORT_TIMEOUT`. */
export async function dialTransport(
  spec: TransportSpec,
  target: DialTransportParameters,
): Promise<TransportConnection> {
  if (spec.name === 'plain') return { socket: await connectTcp(target) };
  if (spec.name === 'obfs') return dialObfs(target, spec);
  if (spec.name === 'obfs4') return { socket: await dialObfs4(target, spec) };
  return dialWss(target, spec);
}
