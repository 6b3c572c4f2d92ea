/**
 * The provider's tunnel port: accepts TCP connections, runs the Noise IK responder
 * handshake, and serves a `MuxSession` whose OPENs go through the exit policy to the
 * destination (CONNECT, UDP flows) or to the next hop's tunnel port (RELAY). A paid provider admits
 * sessions inside the handshake (`admit`: the session proposal is message 1's payload, the
 * answer message 2's); `onSession` hands each admitted session (peer key, meter, gate, what
 * `admit` accepted) to the payment layer. Handshakes are bounded: at most
 * `MAX_PENDING_HANDSHAKES_PER_SOURCE` at once from one address and `MAX_PENDING_HANDSHAKES` in all
 * (more are closed unread), each within the handshake deadline. A relay-only listener answers
 * CONNECT and UDP opens with `OpenReply.notAnExit` and carries RELAY streams only. NAT traversal
 * (docs/nat.md) adds three hooks: `dedicated` sessions (a NATed provider's reservation) whose OPENs go
 * to their owner, `reserved` RELAY destinations served over such a reservation instead of a TCP dial,
 * and `acceptTransport` for connections that arrive some other way than the listening port.
 */
import type { Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { codeOf } from '../errors/codeOf.ts';
import { type Logger, silentLogger } from '../log/logger.ts';
import { listenTransport, type TransportListenConfig, type TransportServer } from '../transport/listenTransport.ts';
import type { TransportName } from '../transport/transportSpec.ts';
import type { TransportConnection } from '../transport/WireFraming.ts';
import { MAX_FLOWS_PER_PROCESS, OpenKind, OpenReply, SOCKET_HIGH_WATER_MARK, SocksReply } from './constants.ts';
import { createExitPolicy, type ExitPolicy } from './exitPolicy.ts';
import { handleExitFlow } from './handleExitFlow.ts';
import { handleExitOpen, type ResolveHost } from './handleExitOpen.ts';
import type { MuxFlow } from './MuxFlow.ts';
import { MuxSession } from './MuxSession.ts';
import type { MuxStream } from './MuxStream.ts';
import type { Destination } from './muxFrame.ts';
import type { RateLimiter } from './RateLimiter.ts';
import { SecureChannel } from './SecureChannel.ts';
import { spliceStreams } from './splice.ts';
import type { StaticKeyPair } from './x25519.ts';

/** Handshakes in progress from one source address: a relaying hop carries many clients' at once. */
export const MAX_PENDING_HANDSHAKES_PER_SOURCE = 32;
/** Handshakes in progress in all: each holds a socket and, while admitted, a chain read. */
export const MAX_PENDING_HANDSHAKES = 256;

/** What `admit` decided: the answer sent in message 2, and what was admitted (none: refused, then closed). */
export type Admission<T> = { answer: Buffer; admitted?: T };
/** Where the handshake came from: the TCP peer's address (for a relayed hop, the previous hop's). */
export type HandshakeSource = { remoteAddress: string; remotePort: number };

export type StartTunnelListenerParameters<T = undefined> = {
  staticKeys: StaticKeyPair;
  /** Defaults to 127.0.0.1 and an ephemeral port. */
  host?: string;
  port?: number;
  policy?: ExitPolicy;
  /**
   * The local address outgoing connections (to the next hop, to destinations) bind to: the address the
   * next hop sees this provider come from. The system's choice when unset.
   */
  outboundHost?: string;
  /** Refuse RELAY opens (do not act as an inner hop). Default false. */
  disableRelay?: boolean;
  /**
   * `exit` (default): CONNECT, UDP and RELAY; `relay-only`: RELAY only — CONNECT and UDP opens are answered
   * `OpenReply.notAnExit` (the provider never opens a connection or a flow to a destination for others).
   */
  role?: ProviderRole;
  /** A UDP flow idle this long is closed (default `FLOW_IDLE_TIMEOUT_MS`). */
  flowIdleMs?: number;
  /**
   * Admits or refuses a client inside the handshake, given message 1's payload (its session proposal)
   * and its authenticated static key; throwing fails the handshake (the connection closes, nothing is
   * answered). Unset: every client is served with empty payloads (unpaid tunnels: tests, the bench).
   */
  admit?: (payload: Buffer, remoteStatic: Buffer, source: HandshakeSource) => Promise<Admission<T>>;
  /** `transport`: how the session's connection came in (which port: `plain` or an obfuscated transport). */
  onSession?: (session: MuxSession, admitted: T | undefined, transport: TransportName) => void;
  meterTickBytes?: number;
  /** The provider's capacity: one bucket shared by every session's outgoing DATA. */
  limiter?: RateLimiter;
  logger?: Logger;
  resolve?: ResolveHost;
  /** Further transports, each on its own port (`host`/`port` above are `plain`'s). */
  transports?: readonly TransportListenConfig[];
  /**
   * Services of this exit reached through a reserved destination name (e.g. the VPN gateway): an OPEN
   * or a UDP flow to `service.host` goes to the service, never through the exit policy to the network.
   * Ignored on a relay-only listener.
   */
  services?: readonly TunnelService[];
  /**
   * Sessions `admit` accepted for another purpose than carrying traffic for a client (a NATed provider's relay
   * reservation, docs/nat.md): when this returns a handler, every OPEN of the session goes to it — never to
   * the exit policy or a RELAY dial — its UDP flows are refused, and `onSession` is not called for it.
   */
  dedicated?: (admitted: T, session: MuxSession) => DedicatedSession | undefined;
  /**
   * RELAY destinations that are no `host:port` but a reservation (a NATed provider's address, docs/nat.md):
   * returns the connection to splice the stream with, or `undefined` when `destination` is an ordinary
   * address (then it is dialled under the exit policy as usual). The promise rejects with a SOCKS reply code
   * in `reply` when the reservation cannot serve it.
   */
  reserved?: (destination: Destination) => Promise<Duplex> | undefined;
};

/** What serves the OPENs of a dedicated session (see `StartTunnelListenerParameters.dedicated`). */
export type DedicatedSession = {
  onOpen(session: MuxSession, stream: MuxStream, destination: Destination): void;
};

/** An exit-side service behind a reserved host name (see `StartTunnelListenerParameters.services`). */
export type TunnelService = {
  host: string;
  onOpen(session: MuxSession, stream: MuxStream, destination: Destination): void;
  onFlow(session: MuxSession, flow: MuxFlow, destination: Destination): void;
};

/** What a provider carries for others: see `StartTunnelListenerParameters.role`. */
export type ProviderRole = 'exit' | 'relay-only';

export type TunnelListener = {
  /** Bound address, `{ host, port }`. */
  address: { host: string; port: number };
  sessions: Set<MuxSession>;
  /** Every socket this listener holds (client connections and exit connections). */
  sockets: Set<Socket>;
  /** The obfuscated transports' listeners, in the order configured. */
  transports: TransportServer[];
  /** The exit's UDP sockets, one per open flow. */
  udpSockets: Set<UdpSocket>;
  /**
   * Serves a connection that did not arrive on the listening port as if it had (a stream a NATed provider's
   * relay handed over its reservation, docs/nat.md): handshake, admission and bounds as for any connection,
   * `source` naming where it came from.
   */
  acceptTransport(transport: Duplex, source: string): void;
  close(): Promise<void>;
};

/** A RELAY stream spliced with the connection a reservation gave (docs/nat.md), or answered with why not. */
async function spliceReserved(session: MuxSession, stream: MuxStream, connection: Promise<Duplex>): Promise<void> {
  let peer: Duplex;
  try {
    peer = await connection;
  } catch (error) {
    const reply = (error as { reply?: unknown }).reply;
    session.answerOpen(stream, typeof reply === 'number' ? reply : SocksReply.generalFailure);
    return;
  }
  if (stream.destroyed || session.closed) {
    peer.destroy();
    return;
  }
  session.answerOpen(stream, SocksReply.succeeded);
  spliceStreams(stream, peer);
}

/**
 * @example
 * const listener = await startTunnelListener({ staticKeys: generateStaticKeyPair(), policy: createExitPolicy() });
 * // offer listener.address and staticKeys.publicKey to clients
 */
export async function startTunnelListener<T = undefined>(
  params: StartTunnelListenerParameters<T>,
): Promise<TunnelListener> {
  const { staticKeys, host = '127.0.0.1', port = 0, logger = silentLogger } = params;
  const policy = params.policy ?? createExitPolicy();
  const sessions = new Set<MuxSession>();
  // Received DATA buffered over every session of this listener: one count, so a per-process budget holds.
  const receiveBuffers = { bytes: 0 };
  const sockets = new Set<Socket>();
  /** Handshakes in progress by source address. */
  const pending = new Map<string, number>();
  let pendingTotal = 0;
  const udpSockets = new Set<UdpSocket>();
  const exit = (params.role ?? 'exit') === 'exit';
  const serviceFor = (host: string) => params.services?.find((s) => s.host === host.toLowerCase());
  /** Takes a connection unless too many handshakes are in progress (from `source`, or in all). */
  const take = (transport: Duplex, transportName: TransportName, source: string): boolean => {
    if (pendingTotal >= MAX_PENDING_HANDSHAKES || (pending.get(source) ?? 0) >= MAX_PENDING_HANDSHAKES_PER_SOURCE) {
      logger.debug({ pending: pendingTotal }, 'too many handshakes in progress; connection closed');
      transport.destroy();
      return false;
    }
    pending.set(source, (pending.get(source) ?? 0) + 1);
    pendingTotal++;
    void accept(transport, transportName, source).finally(() => {
      pendingTotal--;
      const left = (pending.get(source) ?? 1) - 1;
      if (left > 0) pending.set(source, left);
      else pending.delete(source);
    });
    return true;
  };
  const server: Server = createServer(
    { allowHalfOpen: true, noDelay: true, highWaterMark: SOCKET_HIGH_WATER_MARK },
    (socket) => {
      socket.on('error', () => {});
      if (!take(socket, 'plain', socket.remoteAddress ?? '')) return;
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    },
  );
  const accept = async (
    transport: Duplex,
    transportName: TransportName,
    sourceName = 'transport',
    framed: Omit<TransportConnection, 'socket'> = {},
  ) => {
    // A plain connection is its socket, and obfs4's names the client obfs4proxy saw; obfs (its socket under a
    // framing) and wss (its stream) count as one source, as their streams always did (see docs/security.md); a
    // relayed one is named after its relay.
    const peer = (framed.framing ? {} : transport) as { remoteAddress?: string; remotePort?: number };
    const source = { remoteAddress: peer.remoteAddress ?? sourceName, remotePort: peer.remotePort ?? 0 };
    let channel: SecureChannel;
    let admission: Admission<T> | undefined;
    const admit = params.admit;
    try {
      channel = await SecureChannel.open({
        transport,
        framing: framed.framing,
        head: framed.head,
        // wss on its own TLS listener (`bind=1`): bound to the connection's TLS session, clear records inside it.
        prologue: framed.binding,
        clearRecords: framed.binding !== undefined,
        localStatic: staticKeys,
        answer: admit
          ? async (payload, remoteStatic) => {
              admission = await admit(payload, remoteStatic, source);
              return admission.answer;
            }
          : undefined,
      });
    } catch (error) {
      logger.debug({ code: codeOf(error) }, 'tunnel handshake failed');
      return;
    }
    if (admit && admission?.admitted === undefined) {
      // Refused: the answer (message 2) said why; nothing more is served.
      channel.close();
      return;
    }
    // Read by the handlers below, which run only once records flow (after this function has returned).
    let dedicated: DedicatedSession | undefined;
    const session: MuxSession = new MuxSession({
      channel,
      meterTickBytes: params.meterTickBytes,
      limiter: params.limiter,
      receiveBuffers,
      flowIdleMs: params.flowIdleMs,
      onOpen: (request, stream) => {
        if (dedicated) {
          dedicated.onOpen(session, stream, request);
          return;
        }
        if (request.kind === OpenKind.relay && params.disableRelay) {
          session.answerOpen(stream, SocksReply.notAllowedByRuleset);
          return;
        }
        if (request.kind !== OpenKind.relay && !exit) {
          session.answerOpen(stream, OpenReply.notAnExit);
          return;
        }
        const service = request.kind === OpenKind.connect ? serviceFor(request.host) : undefined;
        if (service) {
          service.onOpen(session, stream, request);
          return;
        }
        const reserved = request.kind === OpenKind.relay ? params.reserved?.(request) : undefined;
        if (reserved) {
          void spliceReserved(session, stream, reserved);
          return;
        }
        void handleExitOpen({
          session,
          stream,
          destination: request,
          policy,
          logger,
          resolve: params.resolve,
          sockets,
          localAddress: params.outboundHost,
        });
      },
      onFlow: (destination, flow) => {
        if (dedicated) {
          session.answerFlow(flow, SocksReply.notAllowedByRuleset);
          return;
        }
        const service = exit ? serviceFor(destination.host) : undefined;
        if (!exit) session.answerFlow(flow, OpenReply.notAnExit);
        else if (service) service.onFlow(session, flow, destination);
        else if (udpSockets.size >= MAX_FLOWS_PER_PROCESS) session.answerFlow(flow, SocksReply.generalFailure);
        else {
          void handleExitFlow({
            session,
            flow,
            destination,
            policy,
            logger,
            resolve: params.resolve,
            sockets: udpSockets,
          });
        }
      },
    });
    sessions.add(session);
    session.once('close', (error) => {
      sessions.delete(session);
      logger.debug({ code: codeOf(error) }, 'tunnel session closed');
    });
    dedicated = admission?.admitted !== undefined ? params.dedicated?.(admission.admitted, session) : undefined;
    if (!dedicated) params.onSession?.(session, admission?.admitted, transportName);
  };
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const bound = server.address() as { address: string; port: number };
  const transports: TransportServer[] = [];
  try {
    for (const config of params.transports ?? []) {
      transports.push(
        await listenTransport(
          { host, ...config },
          (connection) => void accept(connection.socket, config.name, undefined, connection),
        ),
      );
    }
  } catch (error) {
    for (const t of transports) await t.close();
    server.close();
    throw error;
  }
  return {
    address: { host: bound.address, port: bound.port },
    sessions,
    sockets,
    udpSockets,
    transports,
    // A relayed connection counts as `plain`: it came in as the relay's RELAY stream, not on an obfuscated port.
    acceptTransport: (transport, source) => void take(transport, 'plain', source),
    close: async () => {
      for (const session of sessions) session.close();
      for (const socket of sockets) socket.destroy();
      await Promise.all(transports.map((t) => t.close()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
