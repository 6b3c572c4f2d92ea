/**
 * The obfs transport's socket side: `dialObfs` (client) and `acceptObfs` (server). The server says
 * nothing before a client proves the pre-shared key; a connection that does not (random bytes, a
 * replayed or truncated first packet, another key) is read until a per-key byte threshold and then
 * closed, or closed by the idle timeout if it sends less: the same whatever it sent, like a service
 * that never answers (obfs4's probe defence).
 */
import { createHmac } from 'node:crypto';
import type { Socket } from 'node:net';
import { type ConnectTcpParameters, connectTcp } from './connectTcp.ts';
import { OBFS_MAX_SKEW_S, OBFS_PROBE_CLOSE_MAX, OBFS_PROBE_CLOSE_MIN, TRANSPORT_AUTH_TIMEOUT_MS } from './constants.ts';
import {
  createObfsClientFraming,
  createObfsServerFraming,
  OBFS_CLIENT_HELLO_LEN,
  openObfsClientHello,
} from './obfsCodec.ts';
import type { SaltMemory } from './SaltMemory.ts';
import type { TransportConnection } from './WireFraming.ts';

export type ObfsParameters = { psk: Buffer; jitterMs?: number };

/** Where a probe is closed: a fixed point per key in [OBFS_PROBE_CLOSE_MIN, OBFS_PROBE_CLOSE_MAX). */
export function obfsProbeThreshold(psk: Buffer): number {
  const draw = createHmac('sha256', psk).update('bandex obfs probe threshold').digest().readUInt32BE(0);
  return OBFS_PROBE_CLOSE_MIN + (draw % (OBFS_PROBE_CLOSE_MAX - OBFS_PROBE_CLOSE_MIN));
}

/** `target.onread`: the socket is read in place into the tunnel's receive area, as `plain`'s is. */
export async function dialObfs(target: ConnectTcpParameters, params: ObfsParameters): Promise<TransportConnection> {
  const socket = await connectTcp(target);
  return { socket, framing: createObfsClientFraming(params.psk, { jitterMs: params.jitterMs }) };
}

export type AcceptObfsParameters = ObfsParameters & {
  salts: SaltMemory;
  timeoutMs?: number;
  nowSeconds?: () => number;
};

/**
 * Resolves with the client's connection (paused; what followed its hello in `head`) once its first packet authenticates, or with undefined once a
 * connection that did not is closed (never an error the peer could see).
 */
export function acceptObfs(socket: Socket, params: AcceptObfsParameters): Promise<TransportConnection | undefined> {
  const { psk, salts, timeoutMs = TRANSPORT_AUTH_TIMEOUT_MS } = params;
  const now = params.nowSeconds ?? (() => Math.floor(Date.now() / 1000));
  const threshold = obfsProbeThreshold(psk);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let rejected = false;
    const stop = () => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onGone);
      socket.off('close', onGone);
    };
    const drop = () => {
      stop();
      socket.destroy();
      resolve(undefined);
    };
    const onGone = () => drop();
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (rejected) {
        if (received >= threshold) drop();
        return;
      }
      chunks.push(chunk);
      if (received < OBFS_CLIENT_HELLO_LEN) return;
      const bytes = Buffer.concat(chunks);
      const hello = openObfsClientHello(psk, bytes);
      const t = now();
      if (!hello || Math.abs(hello.timestamp - t) > OBFS_MAX_SKEW_S || !salts.remember(hello.salt, t)) {
        rejected = true;
        chunks.length = 0;
        if (received >= threshold) drop();
        return;
      }
      stop();
      socket.pause();
      resolve({
        socket,
        framing: createObfsServerFraming(psk, hello, params.jitterMs),
        head: bytes.subarray(OBFS_CLIENT_HELLO_LEN),
      });
    };
    const timer = setTimeout(drop, timeoutMs);
    socket.on('data', onData);
    socket.once('end', onGone);
    socket.once('close', onGone);
  });
}
