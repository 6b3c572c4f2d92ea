/**
 * A socket's own receive buffer, for `net.connect({ onread })`: the kernel copies each read
 * straight into it (no `Buffer` allocated per read, no garbage for V8 to collect), and the
 * consumer works on the bytes in place. Bytes the consumer leaves (the head of a record whose
 * tail has not arrived yet) stay where they are and the next read appends behind them; only when
 * less than `reserve` bytes of room remain is the unconsumed tail moved to the front.
 *
 * Used for the client's connection to its first hop (`connectClientSession`): ciphertext records
 * are decrypted out of the area, so a 64 KiB record costs one allocation (its plaintext) instead of
 * two (the socket read and the plaintext) plus a gathering copy when it spanned two reads.
 */

/**
 * Consumes `area[start, end)` synchronously; returns how far it got (the new `start`). What it
 * leaves must be shorter than the area's `reserve` (at most one incomplete unit).
 */
export type AreaConsumer = (area: Buffer, start: number, end: number) => number;

export class ReceiveArea {
  readonly #area: Buffer;
  readonly #reserve: number;
  #start = 0;
  #end = 0;
  #consumer: AreaConsumer | undefined;

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

  /** Bytes received and not consumed yet. */
  get pending(): number {
    return this.#end - this.#start;
  }

  /** Sets who consumes the bytes; anything that arrived before is handed over at once. */
  attach(consumer: AreaConsumer | undefined): void {
    this.#consumer = consumer;
    if (consumer && this.pending > 0) this.#consume();
  }

  #consume(): void {
    if (this.#consumer) this.#start = this.#consumer(this.#area, this.#start, this.#end);
    if (this.#start === this.#end) {
      this.#start = 0;
      this.#end = 0;
    } else if (this.#area.length - this.#end < this.#reserve) {
      this.#area.copyWithin(0, this.#start, this.#end);
      this.#end -= this.#start;
      this.#start = 0;
    }
  }
}
