/**
 * One multiplexed stream: a `Duplex` whose writes become DATA frames within the peer's
 * credit (send window) and whose reads return credit (WINDOW_UPDATE) as the consumer
 * drains them — so a slow consumer stalls only its own stream. Created by `MuxSession`.
 */
import { Duplex } from 'node:stream';
import { ByteMeter } from './ByteMeter.ts';
import {
  EARLY_DATA_WINDOW,
  INITIAL_STREAM_WINDOW,
  MAX_FRAME_PAYLOAD,
  MAX_STREAM_WINDOW,
  WINDOW_UPDATE_THRESHOLD,
} from './constants.ts';
import { MuxError } from './errors.ts';
import type { Destination } from './muxFrame.ts';

/** What a stream needs from its session (kept narrow for testing). */
export type MuxStreamHost = {
  /** True when a DATA frame may be sent now (gate open, channel not back-pressured, session window). */
  canSendData(): boolean;
  /** Most DATA bytes the session lets this side send now, over all streams (the session window). */
  sessionSendWindow(): number;
  sendData(stream: MuxStream, parts: Buffer[], length: number): void;
  sendWindowUpdate(stream: MuxStream, delta: number): void;
  sendClose(stream: MuxStream): void;
  sendReset(stream: MuxStream, reply: number): void;
  /** `bytes` of received DATA left this stream (read by its consumer, or dropped with the stream). */
  consumed(bytes: number): void;
  /** Called when the stream is waiting for channel room, the gate, or credit. */
  block(stream: MuxStream): void;
  release(stream: MuxStream): void;
};

type PendingWrite = { chunks: Buffer[]; callback: (error?: Error | null) => void };

export class MuxStream extends Duplex {
  readonly id: number;
  readonly destination: Destination;
  /** Payload bytes of this stream (sent = written by us, received = from the peer). */
  readonly meter = new ByteMeter();
  readonly #host: MuxStreamHost;
  #sendWindow: number;
  #receiveWindow: number;
  #credited = 0;
  #pushed = 0;
  /** Of `#pushed`, how much the session has been told left the stream (`host.consumed`). */
  #released = 0;
  #pending: PendingWrite | undefined;
  #localClosed = false;
  #remoteClosed = false;
  #reset = false;
  #flushing = false;
  readonly #side: 'client' | 'provider';

  /**
   * A stream starts with `EARLY_DATA_WINDOW` of credit from the client to the provider (what the client
   * may send before the exit has connected) and `INITIAL_STREAM_WINDOW` the other way; `opened()` adds
   * the rest of the client's window once the OPEN succeeded (both sides do it, so no frame is needed).
   */
  constructor(host: MuxStreamHost, id: number, destination: Destination, side: 'client' | 'provider') {
    super({ allowHalfOpen: true, readableHighWaterMark: INITIAL_STREAM_WINDOW, writableHighWaterMark: 256 * 1024 });
    this.#host = host;
    this.id = id;
    this.destination = destination;
    this.#sendWindow = side === 'client' ? EARLY_DATA_WINDOW : INITIAL_STREAM_WINDOW;
    this.#receiveWindow = side === 'client' ? INITIAL_STREAM_WINDOW : EARLY_DATA_WINDOW;
    this.#side = side;
    // A stream error (peer reset, session loss) must never crash the process; users who
    // care attach their own listener or use `pipeline`.
    this.on('error', () => {});
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.#pending = { chunks: [chunk], callback };
    this.flush();
  }

  override _writev(
    chunks: { chunk: Buffer; encoding: BufferEncoding }[],
    callback: (error?: Error | null) => void,
  ): void {
    this.#pending = { chunks: chunks.map((c) => c.chunk), callback };
    this.flush();
  }

  /** The OPEN succeeded: the client→provider direction gets the rest of its initial window. */
  opened(): void {
    const rest = INITIAL_STREAM_WINDOW - EARLY_DATA_WINDOW;
    if (this.#side === 'client') {
      this.#sendWindow += rest;
      this.flush();
    } else this.#receiveWindow += rest;
  }

  /** Sends as much of the pending write as credit and the session allow (called by the session). */
  flush(): void {
    const pending = this.#pending;
    // Not re-entrant: sending a frame can run meter and gate listeners that flush blocked streams,
    // this one included; the outer loop carries on (and re-checks the session) by itself.
    if (!pending || this.#reset || this.#flushing) return;
    this.#flushing = true;
    let sent: boolean;
    try {
      sent = this.#sendPending(pending);
    } finally {
      this.#flushing = false;
    }
    if (!sent || this.#pending !== pending) return;
    this.#pending = undefined;
    this.#host.release(this);
    pending.callback(); // may start the next write, which flushes again
  }

  /** Sends DATA frames while credit and the session allow; true when the whole write went out. */
  #sendPending(pending: PendingWrite): boolean {
    while (pending.chunks.length > 0) {
      if (this.#sendWindow <= 0 || !this.#host.canSendData()) {
        this.#host.block(this);
        return false;
      }
      let budget = Math.min(this.#sendWindow, MAX_FRAME_PAYLOAD, this.#host.sessionSendWindow());
      const parts: Buffer[] = [];
      let length = 0;
      while (budget > 0 && pending.chunks.length > 0) {
        const chunk = pending.chunks[0] as Buffer;
        if (chunk.length <= budget) {
          parts.push(chunk);
          pending.chunks.shift();
          budget -= chunk.length;
          length += chunk.length;
        } else {
          parts.push(chunk.subarray(0, budget));
          pending.chunks[0] = chunk.subarray(budget);
          length += budget;
          budget = 0;
        }
      }
      this.#sendWindow -= length;
      this.meter.addSent(length);
      this.#host.sendData(this, parts, length);
    }
    return true;
  }

  /**
   * Sends `data` at once as DATA frames, as far as credit and the session allow, when nothing is
   * queued on the writable side (so order is kept); returns how many bytes went out. Nothing of
   * `data` is kept: the caller may reuse it as soon as this returns (the in-place read path of
   * `spliceSocket`). Whatever is not sent must go through `write()`.
   */
  sendNow(data: Buffer): number {
    if (
      this.#pending ||
      this.#flushing ||
      this.#reset ||
      this.writableLength > 0 ||
      this.writableEnded ||
      this.destroyed
    ) {
      return 0;
    }
    let sent = 0;
    this.#flushing = true;
    try {
      while (sent < data.length && this.#sendWindow > 0 && this.#host.canSendData()) {
        const length = Math.min(
          this.#sendWindow,
          MAX_FRAME_PAYLOAD,
          data.length - sent,
          this.#host.sessionSendWindow(),
        );
        this.#sendWindow -= length;
        this.meter.addSent(length);
        this.#host.sendData(this, [data.subarray(sent, sent + length)], length);
        sent += length;
      }
    } finally {
      this.#flushing = false;
    }
    return sent;
  }

  override _final(callback: (error?: Error | null) => void): void {
    // Closed before telling the session, which forgets the stream once both sides are closed.
    this.#localClosed = true;
    if (!this.#reset) this.#host.sendClose(this);
    callback();
  }

  override _read(): void {
    this.#returnCredit();
  }

  /**
   * Credit is returned after each consumer read, not only from `_read`: Node calls `_read`
   * before it removes the chunk it is about to return (so nothing looks consumed yet) and then
   * not again until the next `push` — with the peer out of credit, that push never comes.
   */
  override read(size?: number): Buffer | null {
    const chunk = super.read(size) as Buffer | null;
    // Only the provider budgets what its streams buffer; the client's read path stays as it was.
    if (this.#side === 'provider') this.#release(this.#pushed - this.readableLength);
    this.#returnCredit();
    return chunk;
  }

  #release(upTo: number): void {
    if (upTo <= this.#released) return;
    this.#host.consumed(upTo - this.#released);
    this.#released = upTo;
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const pending = this.#pending;
    this.#pending = undefined;
    this.#host.release(this);
    if (!this.#reset && !(this.#localClosed && this.#remoteClosed)) {
      this.#reset = true;
      this.#host.sendReset(this, 1);
    }
    pending?.callback(error ?? new MuxError('Stream destroyed', { code: 'TUNNEL_STREAM_DESTROYED' }));
    this.#release(this.#pushed); // whatever was still buffered is gone with the stream
    callback(error);
  }

  /** The peer has granted credit for more DATA on this stream. */
  get hasSendCredit(): boolean {
    return this.#sendWindow > 0;
  }

  /** True once both directions are closed or the stream was reset. */
  get finished(): boolean {
    return this.#reset || (this.#localClosed && this.#remoteClosed);
  }

  /** Session → stream: a DATA frame arrived. Returns false on a flow-control violation. */
  onData(data: Buffer): boolean {
    if (data.length > this.#receiveWindow) return false;
    this.#receiveWindow -= data.length;
    this.#pushed += data.length;
    this.meter.addReceived(data.length);
    if (this.push(data)) this.#returnCredit();
    return true;
  }

  onWindowUpdate(delta: number): boolean {
    if (delta === 0 || this.#sendWindow + delta > MAX_STREAM_WINDOW) return false;
    this.#sendWindow += delta;
    this.flush();
    return true;
  }

  onRemoteClose(): void {
    this.#remoteClosed = true;
    this.push(null);
  }

  /** The peer reset the stream (or the session died): fail it without sending anything. */
  onReset(error: Error): void {
    this.#reset = true;
    this.destroy(error);
  }

  #returnCredit(): void {
    if (this.#reset || this.#remoteClosed) return;
    const consumed = this.#pushed - this.readableLength - this.#credited;
    if (consumed >= WINDOW_UPDATE_THRESHOLD) {
      this.#credited += consumed;
      this.#receiveWindow += consumed;
      this.#host.sendWindowUpdate(this, consumed);
    }
  }
}
