/**
 * The client side of every transport: a TCP connection to hop 1 turned into the byte stream its
 * `SecureChannel` runs on. `plain` returns the socket itself, read in place through `onread` (the
 * tunnel's fast path, unchanged); the others return their framed stream.
 */
import type { NetConnectOpts } from 'node:net';
import type { Duplex } from 'node:stream';
import { connectTcp } from './connectTcp.ts';
import { dialObfs } from './obfs.ts';
import { dialObfs4 } from './obfs4.ts';
import type { TransportSpec } from './transportSpec.ts';
import { dialWss, WssClientStream } from './wss.ts';

export type DialTransportParameters = {
  host: string;
  port: number;
  signal?: AbortSignal;
  /** For `plain` only: read the socket straight into this buffer (the tunnel's `createReceiveArea`). */
  onread?: NetConnectOpts['onread'];
  /** The local address to bind (the system's choice when unset). */
  localAddress?: string;
};

/** @throws {TransportError} `TRANSPORT_CONNECT_FAILED` or `TRANSPORT_TIMEOUT`. */
export async function dialTransport(spec: TransportSpec, target: DialTransportParameters): Promise<Duplex> {
  if (spec.name === 'plain') return connectTcp(target);
  if (spec.name === 'obfs') return dialObfs(target, spec);
  if (spec.name === 'obfs4') return dialObfs4(target, spec);
  return dialWss(target, spec);
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
