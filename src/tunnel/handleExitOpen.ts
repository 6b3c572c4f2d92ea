/**
 * The provider's answer to an OPEN: resolve the name here (never at the client), apply the
 * exit policy to every resolved address, connect to the first allowed one, report the
 * result as a SOCKS5 reply code, then splice the stream and the socket.
 */
import { lookup } from 'node:dns/promises';
import { connect, isIP, type NetConnectOpts, type Socket } from 'node:net';
import type { Logger } from '../log/logger.ts';
import { OPEN_TIMEOUT_MS, SOCKET_HIGH_WATER_MARK, SocksReply } from './constants.ts';
import { checkExitAddress, type ExitPolicy } from './exitPolicy.ts';
import type { MuxSession } from './MuxSession.ts';
import type { MuxStream } from './MuxStream.ts';
import type { Destination } from './muxFrame.ts';
import { InPlaceReader, spliceSocket } from './splice.ts';

export type ResolveHost = (host: string) => Promise<string[]>;

/** `dns.lookup` with every address, in the resolver's order; an IP literal is itself. */
export const defaultResolve: ResolveHost = async (host) =>
  isIP(host) ? [host] : (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

/** Maps a connect or resolve error to a SOCKS5 reply code (RFC 1928 §6). */
export function socksReplyForError(error: unknown): number {
  switch ((error as { code?: string }).code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
    case 'EHOSTUNREACH':
      return SocksReply.hostUnreachable;
    case 'ENETUNREACH':
      return SocksReply.networkUnreachable;
    case 'ECONNREFUSED':
      return SocksReply.connectionRefused;
    case 'ETIMEDOUT':
      return SocksReply.ttlExpired;
    default:
      return SocksReply.generalFailure;
  }
}

export type HandleExitOpenParameters = {
  session: MuxSession;
  stream: MuxStream;
  destination: Destination;
  policy: ExitPolicy;
  logger: Logger;
  resolve?: ResolveHost;
  /** Open sockets of this provider (for shutdown and leak checks). */
  sockets?: Set<Socket>;
};

export async function handleExitOpen({
  session,
  stream,
  destination,
  policy,
  logger,
  resolve = defaultResolve,
  sockets,
}: HandleExitOpenParameters): Promise<void> {
  let addresses: string[];
  try {
    addresses = await resolve(destination.host.replace(/^\[(.*)\]$/, '$1'));
  } catch (error) {
    session.answerOpen(stream, socksReplyForError(error));
    return;
  }
  const allowed = addresses.find((address) => checkExitAddress(policy, address, destination.port).allowed);
  if (!allowed) {
    // Logged without the destination: nothing logs traffic targets.
    logger.debug({ stream: stream.id }, 'exit policy refused a destination');
    session.answerOpen(stream, SocksReply.notAllowedByRuleset);
    return;
  }
  // The destination is read in place: each read is encrypted into DATA records before the next one.
  const reader = new InPlaceReader();
  const socket = connect({
    onread: reader.onread,
    host: allowed,
    port: destination.port,
    noDelay: true,
    allowHalfOpen: true,
    writableHighWaterMark: SOCKET_HIGH_WATER_MARK,
  } as NetConnectOpts);
  sockets?.add(socket);
  socket.once('close', () => sockets?.delete(socket));
  const timer = setTimeout(
    () => socket.destroy(Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' })),
    OPEN_TIMEOUT_MS,
  );
  const connected = await new Promise<unknown>((settle) => {
    socket.once('connect', () => settle(undefined));
    socket.once('error', (error) => settle(error));
  });
  clearTimeout(timer);
  if (connected !== undefined || stream.destroyed || session.closed) {
    socket.destroy();
    if (connected !== undefined) session.answerOpen(stream, socksReplyForError(connected));
    return;
  }
  session.answerOpen(stream, SocksReply.succeeded);
  spliceSocket(stream, socket, reader);
}
