/**
 * The provider's tunnel port: accepts TCP connections, runs the Noise IK responder
 * handshake, and serves a `MuxSession` whose OPENs go through the exit policy to the
 * destination (CONNECT, UDP flows) or to the next hop's tunnel port (RELAY). `onSession` hands each
 * authenticated session (peer key, meter, gate) to the payment layer. A relay-only listener answers
 * CONNECT and UDP opens with `OpenReply.notAnExit` and carries RELAY streams only.
 */
import type { Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { codeOf } from '../errors/codeOf.ts';
import { type Logger, silentLogger } from '../log/logger.ts';
import { listenTransport, type TransportListenConfig, type TransportServer } from '../transport/listenTransport.ts';
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
import type { StaticKeyPair } from './x25519.ts';

export type StartTunnelListenerParameters = {
  staticKeys: StaticKeyPair;
  /** Defaults to 127.0.0.1 and an ephemeral port. */
  host?: string;
  port?: number;
  policy?: ExitPolicy;
  /** Refuse RELAY opens (do not act as an inner hop). Default false. */
  disableRelay?: boolean;
  /**
   * `exit` (default): CONNECT, UDP and RELAY; `relay-only`: RELAY only — CONNECT and UDP opens are answered
   * `OpenReply.notAnExit` (the provider never opens a connection or a flow to a destination for others).
   */
  role?: ProviderRole;
  /** A UDP flow idle this long is closed (default `FLOW_IDLE_TIMEOUT_MS`). */
  flowIdleMs?: number;
  /** Accept or refuse an authenticated client by its static key (e.g. only those with a session). */
  authorize?: (remoteStatic: Buffer) => boolean;
  onSession?: (session: MuxSession) => void;
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
  close(): Promise<void>;
};

/**
 * @example
 * const listener = await startTunnelListener({ staticKeys: generateStaticKeyPair(), policy: createExitPolicy() });
 * // offer listener.address and staticKeys.publicKey to clients
 */
export async function startTunnelListener(params: StartTunnelListenerParameters): Promise<TunnelListener> {
  const { staticKeys, host = '127.0.0.1', port = 0, logger = silentLogger } = params;
  const policy = params.policy ?? createExitPolicy();
  const sessions = new Set<MuxSession>();
  // Received DATA buffered over every session of this listener: one count, so a per-process budget holds.
  const receiveBuffers = { bytes: 0 };
  const sockets = new Set<Socket>();
  const udpSockets = new Set<UdpSocket>();
  const exit = (params.role ?? 'exit') === 'exit';
  const serviceFor = (host: string) => params.services?.find((s) => s.host === host.toLowerCase());
  const server: Server = createServer(
    { allowHalfOpen: true, noDelay: true, highWaterMark: SOCKET_HIGH_WATER_MARK },
    (socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      socket.on('error', () => {});
      void accept(socket);
    },
  );
  const accept = async (transport: Duplex) => {
    let channel: SecureChannel;
    try {
      channel = await SecureChannel.open({ transport, localStatic: staticKeys });
    } catch (error) {
      logger.debug({ code: codeOf(error) }, 'tunnel handshake failed');
      return;
    }
    if (params.authorize && !params.authorize(channel.remoteStatic)) {
      channel.close();
      return;
    }
    const session: MuxSession = new MuxSession({
      channel,
      meterTickBytes: params.meterTickBytes,
      limiter: params.limiter,
      receiveBuffers,
      flowIdleMs: params.flowIdleMs,
      onOpen: (request, stream) => {
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
        void handleExitOpen({
          session,
          stream,
          destination: request,
          policy,
          logger,
          resolve: params.resolve,
          sockets,
        });
      },
      onFlow: (destination, flow) => {
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
    params.onSession?.(session);
  };
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const bound = server.address() as { address: string; port: number };
  const transports: TransportServer[] = [];
  try {
    for (const config of params.transports ?? []) {
      transports.push(await listenTransport({ host, ...config }, (stream) => void accept(stream)));
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
    close: async () => {
      for (const session of sessions) session.close();
      for (const socket of sockets) socket.destroy();
      await Promise.all(transports.map((t) => t.close()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
