/**
 * The NATed provider's side of NAT traversal (docs/nat.md): it cannot be dialled, so it dials out to a relay
 * provider's tunnel port and holds a reservation there — a Noise IK session (its own tunnel key, the relay's
 * from its offer) whose handshake carries a request signed by its chain account. On it, it opens the listen
 * stream; for every 8-byte id the relay writes there (a client's RELAY to this provider is waiting), it opens
 * a stream named after the id and serves it as an inbound tunnel connection (`acceptTransport`): the client's
 * handshake, proposal and payment run end to end inside. The reservation is kept alive by pings and made
 * again, with backoff, whenever it is lost; `relay` names the relay currently held (what the offer says).
 */
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Address, LocalAccount } from 'viem';
import type { Component } from '../daemon/component.ts';
import { codeOf } from '../errors/codeOf.ts';
import type { Logger } from '../log/logger.ts';
import { ReservationError } from '../net/errors.ts';
import { RESERVED_PORT } from '../net/relayEndpoint.ts';
import {
  decodeReservationAnswer,
  encodeReservationRequest,
  signReservationRequest,
} from '../net/reservationRequest.ts';
import { type ClientSession, connectClientSession } from '../tunnel/connectClientSession.ts';
import { OpenKind } from '../tunnel/constants.ts';
import type { MuxSession } from '../tunnel/MuxSession.ts';
import { freePort, punchConnect } from '../tunnel/punchConnect.ts';
import type { StaticKeyPair } from '../tunnel/x25519.ts';
import { LISTEN_HOST } from './RelayReservations.ts';
import { ListenFrameReader } from './reservationFrames.ts';

/** A relay as its offer gives it: address, tunnel endpoint and key. */
export type RelayChoice = { address: Address; host: string; port: number; publicKey: Buffer };

/** A reservation request is signed for this long: it is made afresh for every connection. */
const REQUEST_LIFETIME_S = 300;
/** Liveness of the reservation: a ping this often, the session dropped when one goes unanswered this long. */
const PING_EVERY_MS = 15_000;
const PING_TIMEOUT_MS = 10_000;
/** Backoff between attempts to (re)make the reservation. */
const RETRY_FIRST_MS = 1_000;
const RETRY_MAX_MS = 30_000;

export type NatReservationParameters = {
  /** The provider's chain account: signs the reservation request. */
  account: LocalAccount;
  chainId: number;
  /** The provider's tunnel keys: the reservation is made with them, and clients handshake with them inside. */
  staticKeys: StaticKeyPair;
  /** The relay to reserve at (resolves once one is known; called again after each loss). */
  findRelay(signal: AbortSignal): Promise<RelayChoice>;
  /** Serves a relayed connection as an inbound one (`TunnelListener.acceptTransport`). */
  accept(stream: Duplex, source: string): void;
  /** The local address hole-punched connections leave from (the system's choice when unset). */
  localAddress?: string;
  /** The reservation is held at `relay` (or lost: `undefined`). */
  onChange?: (relay: Address | undefined) => void;
  logger: Logger;
};

export class NatReservation implements Component {
  readonly #params: NatReservationParameters;
  readonly #controller = new AbortController();
  #session: ClientSession | undefined;
  #relay: Address | undefined;
  #loop: Promise<void> | undefined;
  #ready: { promise: Promise<void>; resolve(): void };

  constructor(params: NatReservationParameters) {
    this.#params = params;
    let resolve = () => {};
    const promise = new Promise<void>((r) => {
      resolve = r;
    });
    this.#ready = { promise, resolve };
  }

  /** The relay the reservation is held at now. */
  get relay(): Address | undefined {
    return this.#relay;
  }

  /** Starts holding the reservation; resolves once it is first held. */
  async start(): Promise<void> {
    this.#loop = this.#hold();
    await this.#ready.promise;
  }

  async stop(): Promise<void> {
    this.#controller.abort();
    this.#session?.close();
    this.#ready.resolve();
    await this.#loop;
  }

  async #hold(): Promise<void> {
    const { signal } = this.#controller;
    let backoff = RETRY_FIRST_MS;
    while (!signal.aborted) {
      try {
        await this.#reserveOnce(signal, () => {
          backoff = RETRY_FIRST_MS;
        });
      } catch (error) {
        if (signal.aborted) break;
        this.#params.logger.warn({ code: codeOf(error), err: error }, 'relay reservation failed; retrying');
      }
      if (this.#relay) {
        this.#relay = undefined;
        this.#params.onChange?.(undefined);
      }
      if (signal.aborted) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, backoff);
        signal.addEventListener(
          'abort',
          () => {
            clearTimeout(timer);
            resolve();
          },
          { once: true },
        );
      });
      backoff = Math.min(backoff * 2, RETRY_MAX_MS);
    }
  }

  /** Makes the reservation and serves it until it is lost. */
  async #reserveOnce(signal: AbortSignal, onHeld: () => void): Promise<void> {
    const { account, chainId, staticKeys, logger } = this.#params;
    const relay = await this.#params.findRelay(signal);
    const expiry = Math.floor(Date.now() / 1000) + REQUEST_LIFETIME_S;
    const request = await signReservationRequest(
      account,
      { chainId, relayKey: relay.publicKey, providerKey: staticKeys.publicKey },
      expiry,
    );
    const client = await connectClientSession({
      hops: [
        {
          host: relay.host,
          port: relay.port,
          publicKey: relay.publicKey,
          staticKeys,
          hello: encodeReservationRequest(request),
        },
      ],
      signal,
    });
    this.#session = client;
    const session = client.exit;
    try {
      const answer = decodeReservationAnswer(session.channel.handshakePayload);
      if (!answer.ok) {
        throw new ReservationError('NET_RESERVATION_REFUSED', answer.reason, { provider: account.address });
      }
      const listen = await session.openStream(
        { host: LISTEN_HOST, port: RESERVED_PORT },
        { kind: OpenKind.relay, signal },
      );
      const closed = new Promise<void>((resolve) => {
        session.once('close', () => resolve());
        listen.once('close', () => resolve());
      });
      const frames = new ListenFrameReader();
      listen.on('data', (chunk: Buffer) => {
        const messages = frames.push(chunk);
        if (!messages) {
          logger.warn(
            { relay: relay.address },
            'the relay sent a frame this provider does not know; reservation dropped',
          );
          session.close();
          return;
        }
        for (const m of messages) {
          if (m.type === 'connect') void this.#connect(session, m.id, relay.address);
          else void this.#punch(session, m);
        }
      });
      listen.on('error', () => {});
      const pings = setInterval(() => {
        void session.ping(PING_TIMEOUT_MS).then((rtt) => {
          if (rtt === undefined) session.close();
        });
      }, PING_EVERY_MS);
      pings.unref();
      this.#relay = relay.address;
      this.#params.onChange?.(relay.address);
      onHeld();
      logger.info({ relay: relay.address }, 'relay reservation held');
      this.#ready.resolve();
      await closed;
      clearInterval(pings);
      logger.warn({ relay: relay.address }, 'relay reservation lost');
    } finally {
      client.close();
      this.#session = undefined;
    }
  }

  /**
   * A client at `host` will connect from `port` (docs/nat.md, hole punching): tell the relay the local port
   * this provider connects from, then connect to the client from it — again while it is refused (the client
   * may not have sent its own SYN yet), within `PUNCH_WINDOW_MS` (`tunnel/punchConnect.ts`). The connection, if made, is served as an
   * inbound one: the client's handshake and proposal follow as on any connection.
   */
  async #punch(session: MuxSession, m: { id: string; host: string; port: number }): Promise<void> {
    const { logger } = this.#params;
    if (isIP(m.host) === 0) return;
    try {
      const localPort = await freePort(this.#params.localAddress);
      const told = await session.openStream({ host: `p${m.id}`, port: localPort }, { kind: OpenKind.relay });
      // The port was the message: the stream carries nothing and is closed both ways at once.
      told.resume();
      told.end();
      const socket = await punchConnect({
        host: m.host,
        port: m.port,
        localPort,
        localAddress: this.#params.localAddress,
      });
      if (!socket) {
        logger.debug({ client: m.host }, 'hole punch failed');
        return;
      }
      logger.debug({ client: m.host }, 'hole punched');
      this.#params.accept(socket, `punch:${m.host}`);
    } catch (error) {
      logger.debug({ code: codeOf(error) }, 'hole punch not attempted');
    }
  }

  /** Opens the stream a waiting client's RELAY is spliced with, and serves it as an inbound connection. */
  async #connect(session: MuxSession, id: string, relay: Address): Promise<void> {
    try {
      const stream = await session.openStream({ host: `c${id}`, port: RESERVED_PORT }, { kind: OpenKind.relay });
      this.#params.accept(stream, `relay:${relay}`);
    } catch (error) {
      this.#params.logger.debug({ code: codeOf(error) }, 'relayed connection not opened');
    }
  }
}
