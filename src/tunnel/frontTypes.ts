/** What the local proxy fronts need from a client session: a way to open a tunnel stream. */
import type { Server, Socket } from 'node:net';
import type { MuxStream } from './MuxStream.ts';
import type { Destination } from './muxFrame.ts';

/**
 * Opens a tunnel stream. With `early` it may resolve as soon as the OPEN is on its way (the SOCKS5
 * front asks for it): a refusal then fails the stream instead of rejecting. An implementation may
 * ignore `early` and always wait for the exit's answer.
 */
export type OpenTunnelStream = (destination: Destination, options?: { early?: boolean }) => Promise<MuxStream>;

export type ProxyServer = {
  server: Server;
  address: { host: string; port: number };
  /** Application sockets currently open (for shutdown and leak checks). */
  sockets: Set<Socket>;
  close(): Promise<void>;
};
