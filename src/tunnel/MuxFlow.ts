/**
 * One UDP flow of a `MuxSession`: datagrams to and from one destination, each carried whole in a DATAGRAM
 * frame. No credit, no ordering, no retransmission — UDP semantics: a datagram that cannot be sent now
 * waits in a small bounded queue (while the OPEN is being answered, or while the channel is
 * back-pressured) and is dropped beyond it; `dropped` counts them. A flow ends with a CLOSE from either
 * side, with its session, or after `FLOW_IDLE_TIMEOUT_MS` without a datagram either way.
 */
import { EventEmitter } from 'node:events';
import { FLOW_QUEUE_DATAGRAMS, MAX_DATAGRAM_PAYLOAD } from './constants.ts';
import type { Destination } from './muxFrame.ts';

/** What a flow needs from its session. */
export type MuxFlowHost = {
  /** Sends one datagram now or queues it in the session; false when it was dropped. */
  sendDatagram(flow: MuxFlow, payload: Buffer): boolean;
  /** Sends CLOSE for the flow (unless the peer closed it) and forgets it. */
  closeFlow(flow: MuxFlow, sendClose: boolean): void;
};

export type MuxFlowEvents = {
  /** One datagram from the peer (the buffer is the listener's). */
  datagram: [payload: Buffer];
  /** The flow ended: `error` says why when it was not a CLOSE or the idle timeout. */
  close: [error?: Error];
  /** The OPEN succeeded (client side). */
  open: [];
};

export class MuxFlow extends EventEmitter<MuxFlowEvents> {
  readonly id: number;
  readonly destination: Destination;
  /** Datagrams and their payload bytes, from this side's point of view. */
  readonly counters = { sent: 0, sentBytes: 0, received: 0, receivedBytes: 0, dropped: 0 };
  /** Datagrams of this flow waiting in the session's queue (at most `FLOW_QUEUE_DATAGRAMS` with `#opening`). */
  queued = 0;
  #state: 'opening' | 'open' | 'closed';
  readonly #host: MuxFlowHost;
  /** Datagrams written before the OPEN was answered (client side). */
  #early: Buffer[] = [];
  #lastActive = Date.now();
  #idleTimer: NodeJS.Timeout | undefined;
  readonly #idleMs: number;

  constructor(host: MuxFlowHost, id: number, destination: Destination, idleMs: number) {
    super();
    this.#host = host;
    this.id = id;
    this.destination = destination;
    this.#idleMs = idleMs;
    this.#state = 'opening';
    this.#armIdle(idleMs);
  }

  get isOpen(): boolean {
    return this.#state === 'open';
  }

  get closed(): boolean {
    return this.#state === 'closed';
  }

  /**
   * Sends one datagram (at most `MAX_DATAGRAM_PAYLOAD` bytes). Returns false when it was dropped: the flow
   * is closed, the datagram too large, or the queues full. Never throws, never blocks.
   */
  send(payload: Buffer): boolean {
    if (this.#state === 'closed' || payload.length > MAX_DATAGRAM_PAYLOAD) return this.#drop();
    this.#lastActive = Date.now();
    if (this.#state === 'opening') {
      if (this.#early.length >= FLOW_QUEUE_DATAGRAMS) return this.#drop();
      this.#early.push(payload);
      return true;
    }
    if (!this.#host.sendDatagram(this, payload)) return this.#drop();
    return true;
  }

  /** Ends the flow: CLOSE to the peer, queued datagrams dropped. */
  close(): void {
    if (this.#state === 'closed') return;
    this.#host.closeFlow(this, true);
    this.onClosed();
  }

  /** The session counts a datagram it put on the channel. */
  countSent(length: number): void {
    this.counters.sent++;
    this.counters.sentBytes += length;
  }

  /** The session dropped one of this flow's datagrams. */
  countDrop(): void {
    this.counters.dropped++;
  }

  /** The OPEN succeeded: what was written meanwhile goes out (session side). */
  opened(): void {
    if (this.#state !== 'opening') return;
    this.#state = 'open';
    const early = this.#early;
    this.#early = [];
    for (const payload of early) if (!this.#host.sendDatagram(this, payload)) this.countDrop();
    this.emit('open');
  }

  /** A DATAGRAM arrived for this flow (session side). */
  onDatagram(payload: Buffer): void {
    if (this.#state === 'closed') return;
    this.#lastActive = Date.now();
    this.counters.received++;
    this.counters.receivedBytes += payload.length;
    this.emit('datagram', payload);
  }

  /** The flow is gone (peer CLOSE, refusal, session end): no frame is sent. */
  onClosed(error?: Error): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.counters.dropped += this.#early.length;
    this.#early = [];
    clearTimeout(this.#idleTimer);
    this.emit('close', error);
  }

  #drop(): false {
    this.counters.dropped++;
    return false;
  }

  /** One timer per flow, re-armed for the time left when it fires early (no timer reset per datagram). */
  #armIdle(ms: number): void {
    this.#idleTimer = setTimeout(() => {
      const idle = Date.now() - this.#lastActive;
      if (idle >= this.#idleMs) this.close();
      else this.#armIdle(this.#idleMs - idle);
    }, ms);
    this.#idleTimer.unref();
  }
}
