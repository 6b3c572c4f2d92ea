/**
 * The relay's side of NAT traversal (docs/nat.md): reservations held for providers behind NAT, and the RELAY
 * streams of paying clients that lead to them.
 *
 * A NATed provider dials the relay's tunnel port and runs the Noise IK handshake with a signed reservation
 * request instead of a session proposal (`net/reservationRequest.ts`); `admit` checks it (fresh, signed for
 * this relay's key and the key the handshake authenticated, the signer a registered provider with stake, at
 * most `MAX_RESERVATIONS`). The session that follows is dedicated: it carries nothing for its provider. The
 * provider opens one stream named `LISTEN_HOST` on it; for each client RELAY whose destination names it
 * (`reservedDestination`), the relay writes a CONNECT frame with an 8-byte id on that stream
 * (`reservationFrames.ts`) and the provider opens a stream named `c<id in hex>`, which the relay splices with
 * the client's RELAY stream. A client's hole-punch request (`punch`) becomes a PUNCH frame the same way. The client's own Noise
 * handshake with the provider then runs end to end inside: the relay carries ciphertext, metered and paid by
 * the client's session with the relay like any RELAY stream. A destination that names no reservation is
 * refused (host unreachable); reservations lead to registered providers only, never to an address.
 */
import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { Address } from 'viem';
import { codeOf } from '../errors/codeOf.ts';
import type { Logger } from '../log/logger.ts';
import { ReservationError } from '../net/errors.ts';
import { decodePunchRequest, encodePunchAnswer } from '../net/punchRequest.ts';
import { reservedProvider } from '../net/relayEndpoint.ts';
import {
  decodeReservationRequest,
  encodeReservationAnswer,
  verifyReservationRequest,
} from '../net/reservationRequest.ts';
import { OPEN_TIMEOUT_MS, SocksReply } from '../tunnel/constants.ts';
import type { MuxSession } from '../tunnel/MuxSession.ts';
import type { MuxStream } from '../tunnel/MuxStream.ts';
import type { Destination } from '../tunnel/muxFrame.ts';
import type { Admission, DedicatedSession, HandshakeSource } from '../tunnel/startTunnelListener.ts';
import { MAX_PENDING_RELAYED, MAX_RESERVATIONS } from './limits.ts';
import { CONNECTION_ID_BYTES, encodeConnectFrame, encodePunchFrame } from './reservationFrames.ts';

/** The stream a NATed provider opens first on its reservation: the relay writes connection ids on it. */
export const LISTEN_HOST = 'bandex-reservation';

/** What `admit` accepted: a reservation for `provider` (not a paid session). */
export type Reservation = { reservation: Address };

type Pending = { resolve(stream: MuxStream): void; reject(error: Error): void; timer: NodeJS.Timeout };
type Held = { provider: Address; session: MuxSession; listen?: MuxStream; pending: Map<string, Pending> };

export type RelayReservationsParameters = {
  chainId: number;
  /** This relay's tunnel static public key: a request must be signed for it. */
  relayKey: Buffer;
  /** Is `provider` registered with stake (and not jailed)? */
  isRegistered(provider: Address): Promise<boolean>;
  maxReservations?: number;
  logger: Logger;
  now?: () => number;
};

const refusal = (reply: number, message: string) => Object.assign(new Error(message), { reply });

export class RelayReservations {
  readonly #params: RelayReservationsParameters;
  /** Sessions admitted as reservations (listening or not yet), by provider; a new one replaces the old. */
  readonly #held = new Map<Address, Held>();
  /** Source addresses with a punch in progress: one each. */
  readonly #punching = new Set<string>();

  constructor(params: RelayReservationsParameters) {
    this.#params = params;
  }

  /** Reservations held (for status and tests). */
  get size(): number {
    return this.#held.size;
  }

  /**
   * A client's hole-punch request (message 1's payload): passed to the provider with the client's address as
   * observed here (`source`), answered in message 2 with the provider's observed address and the port it
   * connects from. Never admitted: the connection closes after the answer.
   */
  punch = async (payload: Buffer, source: HandshakeSource): Promise<Admission<Reservation>> => {
    try {
      const request = decodePunchRequest(payload);
      const held = this.#held.get(request.provider);
      const observed = (held?.session.channel.transport as { remoteAddress?: string } | undefined)?.remoteAddress;
      if (!held?.listen || !observed) {
        return { answer: encodePunchAnswer({ ok: false, reason: 'no reservation for this provider' }) };
      }
      if (this.#punching.has(source.remoteAddress)) {
        return { answer: encodePunchAnswer({ ok: false, reason: 'a punch from this address is in progress' }) };
      }
      this.#punching.add(source.remoteAddress);
      try {
        const id = randomBytes(CONNECTION_ID_BYTES);
        const answer = await this.#await(held, `p${id.toString('hex')}`, () =>
          held.listen?.write(encodePunchFrame(id, source.remoteAddress.replace(/^::ffff:/, ''), request.port)),
        );
        // The provider's stream says which port it connects from; nothing more is carried on it.
        const port = answer.destination.port;
        held.session.answerOpen(answer, SocksReply.succeeded);
        answer.end();
        const unmapped = (address: string) => address.replace(/^::ffff:/, '');
        return {
          answer: encodePunchAnswer({
            ok: true,
            host: unmapped(observed),
            port,
            observed: unmapped(source.remoteAddress),
          }),
        };
      } finally {
        this.#punching.delete(source.remoteAddress);
      }
    } catch (error) {
      const reason = error instanceof ReservationError ? error.reason : (error as Error).message;
      this.#params.logger.debug({ code: codeOf(error), reason }, 'punch not arranged');
      return { answer: encodePunchAnswer({ ok: false, reason }) };
    }
  };

  /** Admits a reservation request (message 1's payload) or refuses it, saying why in message 2. */
  admit = async (payload: Buffer, remoteStatic: Buffer): Promise<Admission<Reservation>> => {
    const { chainId, relayKey, logger } = this.#params;
    try {
      const request = decodeReservationRequest(payload);
      const provider = await verifyReservationRequest(
        request,
        { chainId, relayKey, providerKey: remoteStatic },
        this.#params.now?.(),
      );
      if (this.#full(provider)) {
        throw new ReservationError('NET_RESERVATION_REFUSED', 'this relay holds all the reservations it takes', {
          provider,
        });
      }
      if (!(await this.#params.isRegistered(provider))) {
        throw new ReservationError('NET_RESERVATION_REFUSED', 'not a registered provider with stake', { provider });
      }
      logger.info({ provider }, 'relay reservation admitted');
      return { answer: encodeReservationAnswer({ ok: true }), admitted: { reservation: provider } };
    } catch (error) {
      const reason = error instanceof ReservationError ? error.reason : 'malformed request';
      logger.info({ code: codeOf(error), reason }, 'relay reservation refused');
      return { answer: encodeReservationAnswer({ ok: false, reason }) };
    }
  };

  #full(provider: Address): boolean {
    return !this.#held.has(provider) && this.#held.size >= (this.#params.maxReservations ?? MAX_RESERVATIONS);
  }

  /** `startTunnelListener`'s `dedicated`: a reservation's session serves its provider's listen and connection streams. */
  dedicated = (admitted: unknown, session: MuxSession): DedicatedSession | undefined => {
    const provider = (admitted as Partial<Reservation>).reservation;
    if (!provider) return undefined;
    if (this.#full(provider)) {
      // Admitted concurrently with others that took the last slots: refused now.
      queueMicrotask(() => session.close());
      return { onOpen: (_, stream) => session.answerOpen(stream, SocksReply.generalFailure) };
    }
    const held: Held = { provider, session, pending: new Map() };
    this.#held.get(provider)?.session.close();
    this.#held.set(provider, held);
    session.once('close', () => {
      if (this.#held.get(provider) === held) this.#held.delete(provider);
      for (const p of held.pending.values()) {
        clearTimeout(p.timer);
        p.reject(refusal(SocksReply.hostUnreachable, 'the reservation closed'));
      }
      held.pending.clear();
    });
    return { onOpen: (_, stream, destination) => this.#onProviderOpen(held, stream, destination) };
  };

  #onProviderOpen(held: Held, stream: MuxStream, destination: Destination): void {
    const { session } = held;
    if (destination.host === LISTEN_HOST && !held.listen) {
      held.listen = stream;
      stream.on('error', () => session.close());
      stream.once('close', () => session.close());
      session.answerOpen(stream, SocksReply.succeeded);
      return;
    }
    const pending = /^[cp][0-9a-f]{16}$/.test(destination.host) ? held.pending.get(destination.host) : undefined;
    if (!pending) {
      // Late (the client gave up), or not an id this relay issued: nothing else is reachable this way.
      session.answerOpen(stream, SocksReply.notAllowedByRuleset);
      return;
    }
    held.pending.delete(destination.host);
    clearTimeout(pending.timer);
    // A connection is answered here; a punch's stream by `punch`, which reads its port first.
    if (destination.host.startsWith('c')) session.answerOpen(stream, SocksReply.succeeded);
    pending.resolve(stream);
  }

  /** Asks the provider (`ask`) and waits for its stream named `key`, at most `OPEN_TIMEOUT_MS`. */
  #await(held: Held, key: string, ask: () => void): Promise<MuxStream> {
    if (held.pending.size >= MAX_PENDING_RELAYED) {
      return Promise.reject(refusal(SocksReply.generalFailure, 'too many connections waiting'));
    }
    return new Promise<MuxStream>((resolve, reject) => {
      const timer = setTimeout(() => {
        held.pending.delete(key);
        reject(refusal(SocksReply.ttlExpired, 'the provider did not answer in time'));
      }, OPEN_TIMEOUT_MS);
      held.pending.set(key, { resolve, reject, timer });
      ask();
    });
  }

  /**
   * `startTunnelListener`'s `reserved`: a client's RELAY to a NATed provider's address, served over its
   * reservation; `undefined` for an ordinary `host:port`.
   */
  reserved = (destination: Destination): Promise<Duplex> | undefined => {
    const provider = reservedProvider(destination);
    if (!provider) return undefined;
    const held = this.#held.get(provider);
    if (!held?.listen || held.session.closed) {
      return Promise.reject(refusal(SocksReply.hostUnreachable, 'no reservation for this provider'));
    }
    const id = randomBytes(CONNECTION_ID_BYTES);
    const listen = held.listen;
    return this.#await(held, `c${id.toString('hex')}`, () => listen.write(encodeConnectFrame(id)));
  };

  /** Ends every reservation (the relay stops). */
  close(): void {
    for (const held of this.#held.values()) held.session.close();
    this.#held.clear();
  }
}
