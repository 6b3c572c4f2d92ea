/** What the local proxy fronts need from a client session: a way to open a tunnel stream. */
import type { Server, Socket } from 'node:net';
import type { MuxStream } from './MuxStream.ts';
import type { Destination } from './muxFrame.ts';

export type OpenTunnelStream = (destination: Destination) => Promise<MuxStream>;

export type ProxyServer = {
  server: Server;
  address: { host: string; port: number };
  /** Application sockets currently open (for shutdown and leak checks). */
  sockets: Set<Socket>;
  close(): Promise<void>;
};
