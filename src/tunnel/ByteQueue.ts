/**
 * A queue of received chunks that hands out exact byte counts, copying only when a
 * requested span crosses chunk boundaries (the common 64 KiB record usually does not).
 */
export class ByteQueue {
  #chunks: Buffer[] = [];
  #length = 0;

  get length(): number {
    return this.#length;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.#chunks.push(chunk);
    this.#length += chunk.length;
  }

  /** Reads `n` bytes without consuming them (n ≤ length). */
  peek(n: number): Buffer {
    const first = this.#chunks[0] as Buffer;
    if (first.length >= n) return first.subarray(0, n);
    return this.#gather(n, false);
  }

  /** Consumes and returns `n` bytes (n ≤ length). */
  take(n: number): Buffer {
    const first = this.#chunks[0] as Buffer;
    if (first.length > n) {
      this.#chunks[0] = first.subarray(n);
      this.#length -= n;
      return first.subarray(0, n);
    }
    if (first.length === n) {
      this.#chunks.shift();
      this.#length -= n;
      return first;
    }
    return this.#gather(n, true);
  }

  /**
   * Consumes `n` bytes like `take`, but when they span chunks gathers them into `scratch`
   * (length ≥ n) instead of a new buffer: the result is only valid until `scratch` is reused.
   * For bytes consumed at once (a record being decrypted), it saves an allocation per record.
   */
  takeTransient(n: number, scratch: Buffer): Buffer {
    const first = this.#chunks[0] as Buffer;
    if (first.length >= n) return this.take(n);
    let offset = 0;
    while (offset < n) {
      const chunk = this.#chunks[0] as Buffer;
      const used = Math.min(chunk.length, n - offset);
      chunk.copy(scratch, offset, 0, used);
      offset += used;
      if (used === chunk.length) this.#chunks.shift();
      else this.#chunks[0] = chunk.subarray(used);
    }
    this.#length -= n;
    return scratch.subarray(0, n);
  }

  /** Removes and returns everything queued. */
  drain(): Buffer[] {
    const chunks = this.#chunks;
    this.#chunks = [];
    this.#length = 0;
    return chunks;
  }

  #gather(n: number, consume: boolean): Buffer {
    const out = Buffer.allocUnsafe(n);
    let offset = 0;
    let i = 0;
    while (offset < n) {
      const chunk = this.#chunks[i] as Buffer;
      const used = Math.min(chunk.length, n - offset);
      chunk.copy(out, offset, 0, used);
      offset += used;
      if (consume) {
        if (used === chunk.length) {
          this.#chunks.shift();
          continue;
        }
        this.#chunks[i] = chunk.subarray(used);
      } else i++;
    }
    if (consume) this.#length -= n;
    return out;
  }
}
