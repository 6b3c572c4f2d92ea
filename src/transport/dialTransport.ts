/**
 * The client side of every transport: a TCP connection to hop 1, and what its `SecureChannel` runs on. `plain`
 * is the socket alone; `obfs` a socket and its framing (`WireFraming`), both read in place through `onread`
 * (the tunnel's fast path); `wss` its framed stream over TLS (`WssClientStream`); `obfs4` the socket to the
 * local obfs4proxy (which does the framing).
 */
import type { NetConnectOpts } from 'node:net';
import type { Duplex } from 'node:stream';
import { connectTcp } from './connectTcp.ts';
import { dialObfs } from './obfs.ts';
import { dialObfs4 } from './obfs4.ts';
import type { TransportSpec } from './transportSpec.ts';
import type { TransportConnection } from './WireFraming.ts';
import { dialWss, WssClientStream } from './wss.ts';

export type DialTransportParameters = {
  host: string;
  port: number;
  signal?: AbortSignal;
  /** For `plain` and `obfs`: read the socket straight into this buffer (the tunnel's `createReceiveArea`). */
  onread?: NetConnectOpts['onread'];
  /** The local address to bind (the system's choice when unset). */
  localAddress?: string;
};

/** Whether `dialTransport` reads this transport's socket through `onread` (wss's is a stream over TLS, obfs4's a SOCKS one). */
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
  const stream = await dialWss(target, spec);
  return stream.binding ? { socket: stream, binding: stream.binding } : { socket: stream };
}

/**
 * `opening` (the tunnel's handshake over `stream`), unless the transport itself fails to open first: wss
 * returns its stream before the server has answered the upgrade (the tunnel's first message goes with
 * the request), so a refused upgrade is reported as the transport's failure (`TRANSPORT_CONNECT_FAILED`),
 * not as a handshake that closed.
 */
export async function openOverTransport<T>(stream: Duplex, opening: Promise<T>): Promise<T> {
  if (!(stream instanceof WssClientStream)) return opening;
  const [result] = await Promise.all([opening, stream.upgraded]);
  return result;
}
