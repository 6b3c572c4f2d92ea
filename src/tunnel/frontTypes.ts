/** What the local proxy fronts need from a client session: a way to open a tunnel stream. */
import type { Server, Socket } from 'node:net';
import type { MuxFlow } from './MuxFlow.ts';
import type { MuxStream } from './MuxStream.ts';
import type { Destination } from './muxFrame.ts';

/**
 * How a front wants its stream opened. `early: true` (the SOCKS5 front's optimistic CONNECT): resolve
 * as soon as the OPEN is on its way; a refusal then fails the stream instead of rejecting. `early:
 * false`: wait for the exit's answer. `signal` abandons the open.
 */
export type OpenTunnelStreamOptions = { early: boolean; signal?: AbortSignal };

/**
 * Opens a tunnel stream. An implementation MUST pass `options` on to the session it opens the stream
 * on (`session.openStream(destination, options)`): dropping them silently turns the SOCKS5 front's
 * optimistic CONNECT into a wait for the exit (issue 15; `test/e2e/optimisticConnect.e2e.test.ts`). The
 * options are required so that every front says which it wants.
 */
export type OpenTunnelStream = (destination: Destination, options: OpenTunnelStreamOptions) => Promise<MuxStream>;

/**
 * Opens a tunnel UDP flow to `destination` (through the current path's exit): resolves with the flow at
 * once (datagrams wait in it for the exit's answer); a refusal closes the flow with an `OpenError`.
 */
export type OpenTunnelFlow = (destination: Destination) => Promise<MuxFlow>;

export type ProxyServer = {
  server: Server;
  address: { host: string; port: number };
  /** Application sockets currently open (for shutdown and leak checks). */
  sockets: Set<Socket>;
  close(): Promise<void>;
};
