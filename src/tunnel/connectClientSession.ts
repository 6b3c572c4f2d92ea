/**
 * The client side of the tunnel: a secure channel to hop 1, then for each further hop a
 * RELAY stream through the previous hop and a fresh end-to-end Noise handshake with the
 * next hop inside it (telescoping). The last hop is the exit; `openStream` reaches
 * destinations through it. Every hop has its own `MuxSession` and meter, so each hop can
 * be paid for what it carried.
 */
import type { Duplex } from 'node:stream';
import { dialTransport, openOverTransport, readsInPlace } from '../transport/dialTransport.ts';
import type { TransportSpec } from '../transport/transportSpec.ts';
import type { TransportConnection } from '../transport/WireFraming.ts';
import { MAX_HOPS, OpenKind } from './constants.ts';
import { MuxError } from './errors.ts';
import type { MuxFlow } from './MuxFlow.ts';
import { MuxSession } from './MuxSession.ts';
import type { MuxStream } from './MuxStream.ts';
import type { Destination } from './muxFrame.ts';
import { createReceiveArea, SecureChannel } from './SecureChannel.ts';
import { generateStaticKeyPair, type StaticKeyPair } from './x25519.ts';

/**
 * One provider on the path: its tunnel address and static public key (from its offer), optionally
 * the client key to use with this hop (the one its session proposal announces), so that no two hops
 * see the same client key, and the handshake's first payload (`hello`: a paid hop's session proposal,
 * encrypted to this hop's key; the hops before it relay ciphertext). The hop's answer is its
 * session's `channel.handshakePayload`.
 */
export type HopDescriptor = {
  host: string;
  port: number;
  publicKey: Buffer;
  staticKeys?: StaticKeyPair;
  hello?: Buffer;
  /** How hop 1's connection looks on the wire (`plain` by default); later hops ride inside the tunnel. */
  transport?: TransportSpec;
  /** Hop 1 only: a connection already made (a hole-punched socket, docs/nat.md); nothing is dialled. */
  connected?: Duplex;
};

export type ConnectClientSessionParameters = {
  hops: readonly HopDescriptor[];
  /** The client's static identity for hops that bring none; a fresh one per session by default (unlinkable). */
  staticKeys?: StaticKeyPair;
  signal?: AbortSignal;
  meterTickBytes?: number;
  /** The local address the socket to hop 1 binds to (the system's choice when unset). */
  localAddress?: string;
  /**
   * Called with each hop's session as soon as it exists, before the path is extended through it (a paid
   * hop sends its opening voucher here: a provider carries nothing, not even the next hop's handshake,
   * for a session that has not paid).
   */
  onHop?: (session: MuxSession, index: number) => Promise<void>;
};

export type ClientSession = {
  /** Hop 1's transport. */
  transport: TransportSpec['name'];
  /** One session per hop, hop 1 first. `hops[i].meter` counts bytes hop i carried for us. */
  hops: MuxSession[];
  /** The exit's session (last hop): its meter counts the client's payload bytes. */
  exit: MuxSession;
  /** `early`: resolve once the OPEN is sent (see `MuxSession.openStream`). */
  openStream(destination: Destination, options?: { signal?: AbortSignal; early?: boolean }): Promise<MuxStream>;
  /** A UDP flow through the exit (see `MuxSession.openFlow`). */
  openFlow(destination: Destination): MuxFlow;
  close(): void;
};

/**
 * @example
 * const session = await connectClientSession({ hops: [{ host: '127.0.0.1', port, publicKey }] });
 * const stream = await session.openStream({ host: 'example.com', port: 443 });
 */
export async function connectClientSession(params: ConnectClientSessionParameters): Promise<ClientSession> {
  const { hops: path, signal, meterTickBytes } = params;
  if (path.length < 1 || path.length > MAX_HOPS) {
    throw new MuxError('Bad path length', { code: 'TUNNEL_BAD_PATH', details: `use 1 to ${MAX_HOPS} hops` });
  }
  const staticKeys = params.staticKeys ?? generateStaticKeyPair();
  const sessions: MuxSession[] = [];
  try {
    const first = path[0] as HopDescriptor;
    const transport = first.transport ?? { name: 'plain' };
    // Over `plain` and `obfs`, hop 1's records are decrypted straight out of the socket's reads (no allocation
    // per read; obfs's masked lengths are unmasked in place).
    const receiveArea = readsInPlace(transport) && !first.connected ? createReceiveArea() : undefined;
    const connection: TransportConnection = first.connected
      ? { socket: first.connected }
      : await dialTransport(transport, {
          host: first.host,
          port: first.port,
          signal,
          onread: receiveArea?.onread,
          localAddress: params.localAddress,
        });
    let channel = await openOverTransport(
      connection.socket,
      SecureChannel.open({
        transport: connection.socket,
        framing: connection.framing,
        head: connection.head,
        // wss with `bind=1`: the handshake is bound to hop 1's TLS session, and its records are clear inside it.
        prologue: connection.binding,
        clearRecords: connection.binding !== undefined,
        localStatic: first.staticKeys ?? staticKeys,
        remoteStatic: first.publicKey,
        payload: first.hello,
        signal,
        receiveArea,
      }),
    );
    sessions.push(new MuxSession({ channel, meterTickBytes }));
    await params.onHop?.(sessions[0] as MuxSession, 0);
    for (const hop of path.slice(1)) {
      const previous = sessions.at(-1) as MuxSession;
      const relay = await previous.openStream({ host: hop.host, port: hop.port }, { kind: OpenKind.relay, signal });
      channel = await SecureChannel.open({
        transport: relay,
        localStatic: hop.staticKeys ?? staticKeys,
        remoteStatic: hop.publicKey,
        payload: hop.hello,
        signal,
      });
      sessions.push(new MuxSession({ channel, meterTickBytes }));
      await params.onHop?.(sessions.at(-1) as MuxSession, sessions.length - 1);
    }
  } catch (error) {
    for (const session of sessions) session.close();
    throw error;
  }
  const exit = sessions.at(-1) as MuxSession;
  // Losing any hop loses the whole path.
  for (const session of sessions) session.once('close', (error) => closeAll(error));
  const closeAll = (error?: Error) => {
    for (const session of [...sessions].reverse()) session.close(error);
  };
  return {
    transport: path[0]?.transport?.name ?? 'plain',
    hops: sessions,
    exit,
    openStream: (destination, options) => exit.openStream(destination, options),
    openFlow: (destination) => exit.openFlow(destination),
    close: () => closeAll(),
  };
}
