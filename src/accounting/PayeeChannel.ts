/**
 * The provider's side of a paid session (pure, synchronous state machine).
 * It serves at most `creditBytes` beyond what it has been paid: `canServe(n)` says whether `n` more
 * bytes fit, and the data plane pauses the client when they do not. Ticks are checked with one hash
 * each (a batch of n ticks with n hashes); a voucher must promise at least everything paid so far, and re-anchors the tick chain. It
 * always knows its best claim on chain (newest voucher + preimage + ticks since) and its value.
 *
 * Credit extends only on durable payment: after persisting `claim` (e.g. `ChannelStore.saveClaim`), the
 * caller calls `markDurable(claim.value)`. A crash can then lose at most what was served on credit.
 */
import type { Address, Hex } from 'viem';
import { MAX_TICKS_PER_MESSAGE, MAX_TICKS_PER_REDEEM, TICK_BYTES, TICK_MAX_GAP } from './constants.ts';
import { AccountingError } from './errors.ts';
import { TickVerifier } from './hashChain.ts';
import { tickValueFor } from './price.ts';
import { type ChannelsDomain, type SignedVoucher, verifyVoucherSync } from './voucher.ts';

export type PayeeChannelParameters = {
  domain: ChannelsDomain;
  channelId: Hex;
  payer: Address;
  deposit: bigint;
  priceWeiPerGiB: bigint;
  /** Bytes served beyond what is paid before pausing: the most a provider can lose to a payer. */
  creditBytes: number;
  /** A paused session whose payer sends nothing for this long is ended (`isStalled`). */
  unpaidTimeoutMs?: number;
  now?: () => number;
};

/** How long a paused session waits for payment before the provider ends it: long enough for a
 * voucher signature and a round trip on a slow link, short enough to free the slot. */
export const DEFAULT_UNPAID_TIMEOUT_MS = 15_000;

/** What `redeemWithTicks` needs to claim the channel's newest value. */
export type Claim = { signed: SignedVoucher; preimage: Hex; ticks: number; value: bigint };

export class PayeeChannel {
  readonly tickValue: bigint;
  #params: PayeeChannelParameters;
  #voucher: SignedVoucher | undefined;
  #verifier: TickVerifier | undefined;
  /** Amount of the session's opening voucher: what earlier sessions already paid. */
  #baseAmount: bigint | undefined;
  #bytesServed = 0;
  #durableValue = 0n;
  /** `bytesPaidAt(durableValue) + creditBytes`, kept as a number: `canServe` runs for every frame. */
  #serveLimit: number;
  #lastPaymentAt: number;

  constructor(params: PayeeChannelParameters) {
    if (params.creditBytes < TICK_BYTES)
      throw new AccountingError(
        'TICK_LIMIT',
        `a credit window under one tick (${TICK_BYTES} bytes) would stall every session`,
      );
    this.#params = params;
    this.tickValue = tickValueFor(params.priceWeiPerGiB);
    this.#serveLimit = params.creditBytes;
    this.#lastPaymentAt = this.#now();
  }

  #now(): number {
    return (this.#params.now ?? Date.now)();
  }

  /**
   * True when the session is paused for payment — `nextBytes` more do not fit the credit — and none
   * has come for the unpaid timeout: end it. Pass the unit the data plane pauses at (a whole tick).
   */
  isStalled(nextBytes = 1): boolean {
    const paused = !this.canServe(nextBytes);
    return paused && this.#now() - this.#lastPaymentAt > (this.#params.unpaidTimeoutMs ?? DEFAULT_UNPAID_TIMEOUT_MS);
  }

  /** Verifies and adopts a voucher (the opening one, a checkpoint, or a renewal with a new chain);
   * throws an `AccountingError` (state unchanged) when it is not acceptable. */
  acceptVoucherSync(signed: SignedVoucher): void {
    const { voucher } = signed;
    verifyVoucherSync({
      signed,
      domain: this.#params.domain,
      channelId: this.#params.channelId,
      payer: this.#params.payer,
      deposit: this.#params.deposit,
      previousAmount: this.value,
    });
    if (voucher.tickValue !== this.tickValue)
      throw new AccountingError(
        'VOUCHER_BAD_ANCHOR',
        `voucher pays ${voucher.tickValue} wei per tick, not the agreed ${this.tickValue}`,
      );
    this.#baseAmount ??= voucher.amount;
    this.#voucher = signed;
    this.#verifier = new TickVerifier(Buffer.from(voucher.tickAnchor.slice(2), 'hex'));
    this.#lastPaymentAt = this.#now();
  }

  /** Accepts a tick (or one a few ticks on: lost messages); returns how many ticks it paid. Throws
   * (state unchanged) if it does not extend the chain. */
  acceptTick(preimage: Buffer): number {
    if (!this.#verifier)
      throw new AccountingError('TICK_MISMATCH', 'a tick before any voucher', 'the session opens with a voucher');
    if (this.#verifier.claim.ticks > MAX_TICKS_PER_REDEEM - TICK_MAX_GAP)
      throw new AccountingError(
        'TICK_LIMIT',
        `${this.#verifier.claim.ticks} ticks since the last voucher: more could not be claimed on chain`,
        'the payer must send a checkpoint voucher',
      );
    const ticks = this.#verifier.accept(preimage);
    this.#lastPaymentAt = this.#now();
    return ticks;
  }

  /**
   * Accepts one preimage paying exactly `count` ticks (a `ticks` message): `count` hashes. Throws
   * (state unchanged) if it does not extend the chain by exactly that many, if `count` is out of range,
   * or if the claim would need more hashes on chain than the contract allows.
   */
  acceptTicks(preimage: Buffer, count: number): void {
    if (!this.#verifier)
      throw new AccountingError('TICK_MISMATCH', 'ticks before any voucher', 'the session opens with a voucher');
    if (!Number.isInteger(count) || count < 1 || count > MAX_TICKS_PER_MESSAGE)
      throw new AccountingError('MESSAGE_MALFORMED', `a ticks message pays 1 to ${MAX_TICKS_PER_MESSAGE} ticks`);
    if (this.#verifier.claim.ticks + count > MAX_TICKS_PER_REDEEM)
      throw new AccountingError(
        'TICK_LIMIT',
        `${this.#verifier.claim.ticks} + ${count} ticks since the last voucher: more could not be claimed on chain`,
        'the payer must send a checkpoint voucher',
      );
    this.#verifier.acceptBatch(preimage, count);
    this.#lastPaymentAt = this.#now();
  }

  /** True when `bytes` more can be served without exceeding the credit window over durable payment. */
  canServe(bytes: number): boolean {
    return this.#bytesServed + bytes <= this.#serveLimit;
  }

  /** The claim worth `value` is on disk: credit may extend over it. */
  markDurable(value: bigint): void {
    if (value <= this.#durableValue) return;
    this.#durableValue = value < this.value ? value : this.value;
    this.#serveLimit = this.#bytesPaidAt(this.#durableValue) + this.#params.creditBytes;
  }

  /** True when the in-memory claim is worth more than what is durable (time to persist). */
  get needsPersist(): boolean {
    return this.value > this.#durableValue;
  }

  /** Records bytes served (the caller checked `canServe`). */
  served(bytes: number): void {
    this.#bytesServed += bytes;
  }

  get bytesServed(): number {
    return this.#bytesServed;
  }

  /** Bytes this session's payments (vouchers and ticks beyond the opening voucher) pay for. */
  get bytesPaid(): number {
    return this.#bytesPaidAt(this.value);
  }

  #bytesPaidAt(value: bigint): number {
    if (this.#baseAmount === undefined || value <= this.#baseAmount) return 0;
    return Number((value - this.#baseAmount) / this.tickValue) * TICK_BYTES;
  }

  /** Bytes served and not yet paid (≤ the credit window). */
  get unpaidBytes(): number {
    return Math.max(0, this.#bytesServed - this.bytesPaid);
  }

  /** Value of the best claim: voucher amount + ticks since it, capped at the deposit. */
  get value(): bigint {
    if (!this.#voucher || !this.#verifier) return 0n;
    const raw = this.#voucher.voucher.amount + BigInt(this.#verifier.claim.ticks) * this.tickValue;
    return raw > this.#params.deposit ? this.#params.deposit : raw;
  }

  /** The claim to redeem on chain, or undefined before the first voucher. */
  get claim(): Claim | undefined {
    if (!this.#voucher || !this.#verifier) return undefined;
    const { preimage, ticks } = this.#verifier.claim;
    return { signed: this.#voucher, preimage: `0x${preimage.toString('hex')}`, ticks, value: this.value };
  }
}
