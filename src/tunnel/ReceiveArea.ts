/**
 * A socket's own receive buffer, for `net.connect({ onread })`: the kernel copies each read
 * straight into it (no `Buffer` allocated per read, no garbage for V8 to collect), and the
 * consumer works on the bytes in place. Bytes the consumer leaves (the head of a record whose
 * tail has not arrived yet) stay where they are and the next read appends behind them; only when
 * less than `reserve` bytes of room remain is the unconsumed tail moved to the front.
 *
 * Used for the client's connection to its first hop (`connectClientSession`): ciphertext records
 * are decrypted out of the area, so a 64 KiB record costs one allocation (its plaintext) instead of
 * two (the socket read and the plaintext) plus a gathering copy when it spanned two reads. A transport's
 * framing (`WireFraming`, obfs) is undone in the area too, by a filter between the read and the consumer.
 */
import type { Unframed } from '../transport/WireFraming.ts';

/**
 * Consumes `area[start, end)` synchronously; returns how far it got (the new `start`). What it
 * leaves must be shorter than the area's `reserve` (at most one incomplete unit).
 */
export type AreaConsumer = (area: Buffer, start: number, end: number) => number;
/** Turns the wire bytes `area[start, end)` into the consumer's bytes in place (`WireFraming.unframe`). */
export type AreaFilter = (area: Buffer, start: number, end: number) => Unframed;

export class ReceiveArea {
  readonly #area: Buffer;
  readonly #reserve: number;
  /** `[start, ready)`: bytes for the consumer; `[ready, end)`: wire bytes the filter has not used yet. */
  #start = 0;
  #ready = 0;
  #end = 0;
  #consumer: AreaConsumer | undefined;
  #filter: AreaFilter | undefined;

  /**
   * @param size bytes of the area (one per socket, allocated once).
   * @param reserve room always left for the next read: at least the largest unit the consumer
   *   waits for (a whole record), so that a partial unit can always be completed in place.
   */
  constructor(size: number, reserve: number) {
    if (reserve * 2 > size) throw new RangeError('the area must hold at least two reserves');
    this.#area = Buffer.allocUnsafe(size);
    this.#reserve = reserve;
  }

  /** The `onread` option of `net.connect`. */
  readonly onread = {
    buffer: (): Buffer => this.#area.subarray(this.#end),
    callback: (nread: number): boolean => {
      this.#end += nread;
      this.#consume();
      // Nobody to consume yet (between connect and the channel's creation): stop reading, so the
      // area cannot fill up; the channel resumes the socket when it attaches.
      return this.#consumer !== undefined;
    },
  };

  /** Bytes received and not consumed yet (wire bytes the filter holds included). */
  get pending(): number {
    return this.#end - this.#start;
  }

  /** Sets who consumes the bytes (and what filters them first); anything that arrived before is handed over at once. */
  attach(consumer: AreaConsumer | undefined, filter?: AreaFilter): void {
    this.#consumer = consumer;
    this.#filter = filter;
    if (consumer && this.pending > 0) this.#consume();
  }

  #consume(): void {
    const consumer = this.#consumer;
    if (!consumer) return;
    const area = this.#area;
    if (!this.#filter) this.#ready = this.#end;
    else if (this.#end > this.#ready) {
      const { produced, consumed } = this.#filter(area, this.#ready, this.#end);
      // What the filter could not use yet (a cut frame header) follows the bytes it produced.
      if (consumed < this.#end && consumed !== produced) area.copyWithin(produced, consumed, this.#end);
      this.#end = produced + (this.#end - consumed);
      this.#ready = produced;
    }
    this.#start = consumer(area, this.#start, this.#ready);
    if (this.#start === this.#end) {
      this.#start = 0;
      this.#ready = 0;
      this.#end = 0;
    } else if (area.length - this.#end < this.#reserve) {
      area.copyWithin(0, this.#start, this.#end);
      this.#ready -= this.#start;
      this.#end -= this.#start;
      this.#start = 0;
    }
  }
}
