/**
 * The exit's answer to a UDP flow's OPEN: resolve the name here, apply the exit policy to every resolved
 * address (as for TCP: `checkExitAddress`), and bind a UDP socket *connected* to the first allowed one —
 * so the kernel delivers only that address's datagrams back (no other host can inject into the flow) —
 * then relay datagrams both ways. The socket's send queue is bounded: datagrams beyond
 * `EXIT_UDP_SEND_QUEUE_BYTES` are dropped. The socket closes with the flow.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { Logger } from '../log/logger.ts';
import { EXIT_UDP_SEND_QUEUE_BYTES, SocksReply } from './constants.ts';
import { checkExitAddress, type ExitPolicy } from './exitPolicy.ts';
import { defaultResolve, type ResolveHost, socksReplyForError } from './handleExitOpen.ts';
import type { MuxFlow } from './MuxFlow.ts';
import type { MuxSession } from './MuxSession.ts';
import type { Destination } from './muxFrame.ts';

export type HandleExitFlowParameters = {
  session: MuxSession;
  flow: MuxFlow;
  destination: Destination;
  policy: ExitPolicy;
  logger: Logger;
  resolve?: ResolveHost;
  /** UDP sockets of this provider (for shutdown, the process-wide bound and leak checks). */
  sockets?: Set<UdpSocket>;
};

export async function handleExitFlow({
  session,
  flow,
  destination,
  policy,
  logger,
  resolve = defaultResolve,
  sockets,
}: HandleExitFlowParameters): Promise<void> {
  let addresses: string[];
  try {
    addresses = await resolve(destination.host.replace(/^\[(.*)\]$/, '$1'));
  } catch (error) {
    session.answerFlow(flow, socksReplyForError(error));
    return;
  }
  const allowed = addresses.find((address) => checkExitAddress(policy, address, destination.port).allowed);
  if (!allowed) {
    logger.debug({ flow: flow.id }, 'exit policy refused a UDP destination');
    session.answerFlow(flow, SocksReply.notAllowedByRuleset);
    return;
  }
  if (flow.closed || session.closed) return;
  const socket = createSocket({ type: isIPv6(allowed) ? 'udp6' : 'udp4' });
  sockets?.add(socket);
  const connected = await new Promise<unknown>((settle) => {
    socket.once('error', settle);
    socket.connect(destination.port, allowed, () => settle(undefined));
  });
  if (connected !== undefined || flow.closed || session.closed) {
    sockets?.delete(socket);
    socket.close();
    if (connected !== undefined) session.answerFlow(flow, socksReplyForError(connected));
    return;
  }
  // ICMP errors (port unreachable) surface as socket errors: the flow goes on, as UDP does.
  socket.on('error', () => {});
  socket.on('message', (message) => flow.send(message));
  flow.on('datagram', (payload) => {
    if (socket.getSendQueueSize() > EXIT_UDP_SEND_QUEUE_BYTES) {
      flow.countDrop();
      return;
    }
    socket.send(payload);
  });
  flow.once('close', () => {
    sockets?.delete(socket);
    socket.close();
  });
  session.answerFlow(flow, SocksReply.succeeded);
}
