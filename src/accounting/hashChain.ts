/**
 * PayWord hash chains for per-tick payment. The payer draws a random seed x0 and hashes forward,
 * x_{i+1} = sha256(x_i), to the anchor x_N, which a voucher commits to. Tick i reveals x_{N−i}; the
 * payee checks it with one hash against the element it accepted last, and the contract checks
 * `sha256^j(preimage) == anchor` for j ticks since the voucher.
 *
 * The payer reveals elements in descending index order without keeping a long chain: it stores every
 * `CHAIN_CHECKPOINT_INTERVAL`-th element and holds one segment at a time in one flat buffer. The segment
 * revealed first is kept while the chain is generated, so a chain of one segment (the default length)
 * costs one hash per tick in all; each further segment is recomputed from its checkpoint when reached
 * (one more hash per tick).
 */
import { hash, randomBytes } from 'node:crypto';
import { CHAIN_CHECKPOINT_INTERVAL, MAX_CHAIN_LENGTH, TICK_MAX_GAP } from './constants.ts';
import { AccountingError } from './errors.ts';

/** One SHA-256 of 32 bytes (node:crypto one-shot). */
export function sha256(value: Buffer): Buffer {
  return hash('sha256', value, 'buffer');
}

/**
 * The payer's side of a chain: generates it once, then yields preimages in payment order.
 *
 * @example
 * const chain = TickChain.create(4096);
 * const voucherAnchor = chain.anchor;
 * const firstTick = chain.next(); // sha256(firstTick) equals the anchor
 */
export class TickChain {
  readonly length: number;
  readonly anchor: Buffer;
  readonly #checkpoints: Buffer[];
  #revealed = 0;
  /** Elements start … start + segmentLength − 1 of the current segment, 32 bytes each, in index order. */
  #segment: Buffer;
  #segmentLength: number;
  #lastRevealed: Buffer | undefined;

  private constructor(length: number, anchor: Buffer, checkpoints: Buffer[], top: Buffer) {
    this.length = length;
    this.anchor = anchor;
    this.#checkpoints = checkpoints;
    this.#segment = top;
    this.#segmentLength = top.length / 32;
  }

  static create(length: number, seed: Buffer = randomBytes(32)): TickChain {
    if (!Number.isInteger(length) || length < 1 || length > MAX_CHAIN_LENGTH)
      throw new AccountingError('CHAIN_LENGTH', `a hash chain has 1 to ${MAX_CHAIN_LENGTH} elements, not ${length}`);
    const checkpoints: Buffer[] = [];
    const topStart = segmentStart(length - 1);
    const top = Buffer.allocUnsafe((length - topStart) * 32);
    let x: Buffer = Buffer.from(seed);
    for (let i = 0; i < length; i++) {
      if (i % CHAIN_CHECKPOINT_INTERVAL === 0) checkpoints.push(x);
      if (i >= topStart) x.copy(top, (i - topStart) * 32);
      x = sha256(x);
    }
    return new TickChain(length, x, checkpoints, top);
  }

  /** Ticks already revealed. */
  get revealed(): number {
    return this.#revealed;
  }

  get remaining(): number {
    return this.length - this.#revealed;
  }

  /** The last revealed element (the anchor before the first tick): what a checkpoint voucher commits to. */
  get head(): Buffer {
    return this.#revealed === 0 ? this.anchor : (this.#lastRevealed as Buffer);
  }

  /** Reveals the next preimage: x_{N − revealed − 1}. */
  next(): Buffer {
    return this.take(1);
  }

  /**
   * Reveals the next `count` preimages at once and returns the newest, x_{N − revealed − count}: one
   * message pays all of them, since the payee hashes it forward `count` times to the last element it
   * accepted. The element returned is a view of the chain's segment; it never changes.
   */
  take(count: number): Buffer {
    if (!Number.isInteger(count) || count < 1 || count > this.remaining)
      throw new AccountingError(
        'TICK_CHAIN_EXHAUSTED',
        `cannot reveal ${count} ticks: ${this.remaining} left in the hash chain`,
        'renew it with a voucher for a new chain',
      );
    let left = count;
    let element: Buffer | undefined;
    while (left > 0) {
      if (this.#segmentLength === 0) this.#fillSegment(this.length - this.#revealed - 1);
      const fromSegment = Math.min(left, this.#segmentLength);
      this.#segmentLength -= fromSegment;
      element = this.#segment.subarray(this.#segmentLength * 32, this.#segmentLength * 32 + 32);
      this.#revealed += fromSegment;
      left -= fromSegment;
    }
    this.#lastRevealed = element;
    return element as Buffer;
  }

  /** Recomputes the segment holding index `top`, from its checkpoint up to `top` inclusive (a new buffer:
   * elements already handed out stay valid). */
  #fillSegment(top: number): void {
    const start = segmentStart(top);
    const segment = Buffer.allocUnsafe((top - start + 1) * 32);
    let x = this.#checkpoints[start / CHAIN_CHECKPOINT_INTERVAL] as Buffer;
    x.copy(segment, 0);
    for (let i = 1; i <= top - start; i++) {
      x = sha256(x);
      x.copy(segment, i * 32);
    }
    this.#segment = segment;
    this.#segmentLength = top - start + 1;
  }
}

/** Index of the first element of the segment holding index `i`. */
function segmentStart(i: number): number {
  return Math.floor(i / CHAIN_CHECKPOINT_INTERVAL) * CHAIN_CHECKPOINT_INTERVAL;
}

/**
 * The payee's side: accepts ticks one hash at a time from an anchor. A bad tick throws and leaves the
 * verifier unchanged.
 *
 * @example
 * const verifier = new TickVerifier(voucher.tickAnchor);
 * verifier.accept(preimage); // throws AccountingError('TICK_MISMATCH') if it does not hash to the head
 */
export class TickVerifier {
  #head: Buffer;
  #sinceAnchor = 0;
  #anchor: Buffer;

  constructor(anchor: Buffer) {
    this.#anchor = Buffer.from(anchor);
    this.#head = this.#anchor;
  }

  /**
   * Accepts the next tick, or one up to `TICK_MAX_GAP` ticks further on (lost messages); returns how
   * many ticks it is worth (usually 1). One hash for an in-order tick.
   */
  accept(preimage: Buffer): number {
    if (preimage.length === 32) {
      let x: Buffer = preimage;
      for (let steps = 1; steps <= TICK_MAX_GAP; steps++) {
        x = sha256(x);
        if (x.equals(this.#head)) {
          this.#head = preimage;
          this.#sinceAnchor += steps;
          return steps;
        }
      }
    }
    throw new AccountingError(
      'TICK_MISMATCH',
      'tick does not hash to the last accepted element',
      'a tick out of order, replayed or forged; the session stays where it was',
      { ticks: this.#sinceAnchor },
    );
  }

  /**
   * Accepts a preimage that pays exactly `count` ticks (a batch): `sha256^count(preimage)` must be the
   * last accepted element. `count` hashes; throws `TICK_MISMATCH` (state unchanged) otherwise. The
   * caller bounds `count` (each costs a hash).
   */
  acceptBatch(preimage: Buffer, count: number): void {
    if (preimage.length === 32 && Number.isInteger(count) && count >= 1) {
      let x: Buffer = preimage;
      for (let i = 0; i < count; i++) x = sha256(x);
      if (x.equals(this.#head)) {
        this.#head = preimage;
        this.#sinceAnchor += count;
        return;
      }
    }
    throw new AccountingError(
      'TICK_MISMATCH',
      `preimage does not hash to the last accepted element in ${count} steps`,
      'a batch out of order, replayed or forged; the session stays where it was',
      { ticks: this.#sinceAnchor, count },
    );
  }

  /** Ticks since the anchor, the last accepted preimage (what a claim on chain reveals), and the anchor. */
  get claim(): { anchor: Buffer; preimage: Buffer; ticks: number } {
    return { anchor: this.#anchor, preimage: this.#head, ticks: this.#sinceAnchor };
  }
}
