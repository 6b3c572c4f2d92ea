/**
 * The provider's side of one payment channel (pure, synchronous state machine): one ledger per
 * channel, whatever the number of sessions over its life. Credit is a property of the channel and its
 * payer, never of a session (issue 14):
 *
 * - everything is cumulative over the channel's life: `bytesServed` (both directions, every session)
 *   and the claim's `value` (newest voucher + ticks since, capped at the deposit);
 * - the credit rule is `bytesServed ≤ bytesPaidAt(durable value) + creditBytes`, where
 *   `bytesPaidAt(v) = floor(v / tickValue) × 64 KiB`: no session can be served on credit another session
 *   already used;
 * - nothing is served before a session's **opening voucher**, which must promise at least everything
 *   this channel has been served (rounded up to whole ticks), the best claim held and what was already
 *   redeemed on chain (`floor`); so a session that reopens with a stale or zero voucher gets nothing;
 * - only a payment that raises the claim resets the unpaid timer.
 *
 * Credit extends only on durable payment: after persisting `claim` and `bytesServed` (e.g.
 * `ChannelStore.saveProgress`), the caller calls `markDurable(claim.value)`. A crash can then lose at
 * most what was served on credit.
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
  /** A paused session whose payer raises nothing for this long is ended (`isStalled`). */
  unpaidTimeoutMs?: number;
  /** What this provider knew of the channel before this process (from its store and the chain). */
  restored?: { servedBytes: number; claimValue: bigint };
  now?: () => number;
};

/** How long a paused session waits for payment before the provider ends it: long enough for a
 * voucher signature and a round trip on a slow link, short enough to free the slot. */
export const DEFAULT_UNPAID_TIMEOUT_MS = 15_000;

/** What `redeemWithTicks` needs to claim the channel's newest value. */
export type Claim = { signed: SignedVoucher; preimage: Hex; ticks: number; value: bigint };

export class PayeeChannel {
  readonly tickValue: bigint;
  readonly channelId: Hex;
  readonly payer: Address;
  #params: PayeeChannelParameters;
  #deposit: bigint;
  #creditBytes: number;
  #voucher: SignedVoucher | undefined;
  #verifier: TickVerifier | undefined;
  /** The least an opening voucher may promise apart from what was served: the best claim known before this
   * process, and what was redeemed on chain. */
  #floor: bigint;
  #bytesServed: number;
  #durableValue: bigint;
  /** `bytesPaidAt(durableValue) + creditBytes` while a session is open (else 0), kept as a number:
   * `canServe` runs for every frame. */
  #serveLimit = 0;
  #sessionOpen = false;
  #closing = false;
  #lastRaiseAt: number;

  constructor(params: PayeeChannelParameters) {
    if (params.creditBytes < TICK_BYTES)
      throw new AccountingError(
        'TICK_LIMIT',
        `a credit window under one tick (${TICK_BYTES} bytes) would stall every session`,
      );
    this.#params = params;
    this.channelId = params.channelId;
    this.payer = params.payer;
    this.#deposit = params.deposit;
    this.#creditBytes = params.creditBytes;
    this.tickValue = tickValueFor(params.priceWeiPerGiB);
    this.#floor = params.restored?.claimValue ?? 0n;
    this.#bytesServed = params.restored?.servedBytes ?? 0;
    this.#durableValue = this.#floor;
    this.#lastRaiseAt = this.#now();
  }

  #now(): number {
    return (this.#params.now ?? Date.now)();
  }

  /** The least the next session's opening voucher must promise: everything served (in whole ticks), the
   * best claim, and what was redeemed on chain. */
  get openingFloor(): bigint {
    const forServed = BigInt(Math.ceil(this.#bytesServed / TICK_BYTES)) * this.tickValue;
    let floor = this.value > this.#floor ? this.value : this.#floor;
    if (forServed > floor) floor = forServed;
    return floor > this.#deposit ? this.#deposit : floor;
  }

  /** Raises the floor to what the chain says was already redeemed (a claim below it is worth nothing). */
  raiseFloor(redeemed: bigint): void {
    if (redeemed > this.#floor) this.#floor = redeemed;
    if (redeemed > this.#durableValue) this.#durableValue = redeemed;
  }

  /** A top-up on chain: the payer may promise up to the new deposit. */
  toppedUp(deposit: bigint): void {
    if (deposit > this.#deposit) this.#deposit = deposit;
  }

  /** The channel is closing (or closed) on chain: no more credit, to any session, ever. */
  markClosing(): void {
    this.#closing = true;
    this.#serveLimit = 0;
  }

  /** The channel's deposit as last known (a top-up raises it). */
  get deposit(): bigint {
    return this.#deposit;
  }

  get closing(): boolean {
    return this.#closing;
  }

  /** True between an accepted opening voucher and `closeSession()`. */
  get sessionOpen(): boolean {
    return this.#sessionOpen;
  }

  /**
   * Verifies and adopts a voucher. With no session open it is the session's **opening voucher**: it must
   * reach `openingFloor`, and it opens the session with `creditBytes` of credit (the session's, at most
   * the one the channel was built with). Within a session it is a checkpoint or a renewal with a new
   * chain. Throws an `AccountingError` (state unchanged) when it is not acceptable.
   */
  acceptVoucherSync(signed: SignedVoucher, creditBytes?: number): void {
    const { voucher } = signed;
    if (this.#closing)
      throw new AccountingError('CHANNEL_CLOSING', 'the channel is closing on chain', 'open a new channel');
    const opening = !this.#sessionOpen;
    const floor = opening ? this.openingFloor : this.value;
    if (opening && voucher.amount < floor)
      throw new AccountingError(
        'VOUCHER_TOO_LOW',
        `an opening voucher for ${voucher.amount} is below the ${floor} this channel already owes`,
        'open with a voucher for at least the amount the provider answered with (everything served so far)',
        { floor: floor.toString() },
      );
    verifyVoucherSync({
      signed,
      domain: this.#params.domain,
      channelId: this.#params.channelId,
      payer: this.#params.payer,
      deposit: this.#deposit,
      previousAmount: floor,
    });
    if (voucher.tickValue !== this.tickValue)
      throw new AccountingError(
        'VOUCHER_BAD_ANCHOR',
        `voucher pays ${voucher.tickValue} wei per tick, not the agreed ${this.tickValue}`,
      );
    const before = this.value;
    this.#voucher = signed;
    this.#verifier = new TickVerifier(Buffer.from(voucher.tickAnchor.slice(2), 'hex'));
    if (opening) {
      if (creditBytes !== undefined) {
        if (creditBytes < TICK_BYTES) throw new AccountingError('TICK_LIMIT', 'a credit window under one tick');
        this.#creditBytes = creditBytes;
      }
      this.#sessionOpen = true;
      // A payer pays for bytes after receiving them, so what its opening voucher pays for was served (its
      // round-up tick aside). Served bytes are saved with the claim, not with every frame, so a crash can
      // forget some: counting what was paid keeps a restart from serving the same bytes on credit twice,
      // and costs an honest payer nothing (its voucher already covers them).
      this.#bytesServed = Math.max(this.#bytesServed, this.#bytesPaidAt(voucher.amount));
      this.#serveLimit = this.#bytesPaidAt(this.#durableValue) + this.#creditBytes;
    }
    if (this.value > before) this.#lastRaiseAt = this.#now();
  }

  /** The session ended: nothing more is served until the next opening voucher. */
  closeSession(): void {
    this.#sessionOpen = false;
    this.#serveLimit = 0;
  }

  /**
   * True when the session is paused for payment — `nextBytes` more do not fit the credit — and nothing
   * raised the claim for the unpaid timeout: end it. Pass the unit the data plane pauses at (a whole tick).
   */
  isStalled(nextBytes = 1): boolean {
    const paused = !this.canServe(nextBytes);
    return paused && this.#now() - this.#lastRaiseAt > (this.#params.unpaidTimeoutMs ?? DEFAULT_UNPAID_TIMEOUT_MS);
  }

  /** Accepts a tick (or one a few ticks on: lost messages); returns how many ticks it paid. Throws
   * (state unchanged) if it does not extend the chain. */
  acceptTick(preimage: Buffer): number {
    const verifier = this.#verifierOrThrow();
    if (verifier.claim.ticks > MAX_TICKS_PER_REDEEM - TICK_MAX_GAP)
      throw new AccountingError(
        'TICK_LIMIT',
        `${verifier.claim.ticks} ticks since the last voucher: more could not be claimed on chain`,
        'the payer must send a checkpoint voucher',
      );
    const before = this.value;
    const ticks = verifier.accept(preimage);
    if (this.value > before) this.#lastRaiseAt = this.#now();
    return ticks;
  }

  /**
   * Accepts one preimage paying exactly `count` ticks (a `ticks` message): `count` hashes. Throws
   * (state unchanged) if it does not extend the chain by exactly that many, if `count` is out of range,
   * or if the claim would need more hashes on chain than the contract allows.
   */
  acceptTicks(preimage: Buffer, count: number): void {
    const verifier = this.#verifierOrThrow();
    if (!Number.isInteger(count) || count < 1 || count > MAX_TICKS_PER_MESSAGE)
      throw new AccountingError('MESSAGE_MALFORMED', `a ticks message pays 1 to ${MAX_TICKS_PER_MESSAGE} ticks`);
    if (verifier.claim.ticks + count > MAX_TICKS_PER_REDEEM)
      throw new AccountingError(
        'TICK_LIMIT',
        `${verifier.claim.ticks} + ${count} ticks since the last voucher: more could not be claimed on chain`,
        'the payer must send a checkpoint voucher',
      );
    const before = this.value;
    verifier.acceptBatch(preimage, count);
    if (this.value > before) this.#lastRaiseAt = this.#now();
  }

  #verifierOrThrow(): TickVerifier {
    if (!this.#verifier || !this.#sessionOpen)
      throw new AccountingError(
        'TICK_MISMATCH',
        'a tick before the session’s voucher',
        'a session opens with a voucher',
      );
    return this.#verifier;
  }

  /** True when `bytes` more can be served without exceeding the credit window over durable payment. */
  canServe(bytes: number): boolean {
    return this.#bytesServed + bytes <= this.#serveLimit;
  }

  /** Bytes that may still be served on the current credit (0 with no session open or when closing). */
  get creditLeft(): number {
    return Math.max(0, this.#serveLimit - this.#bytesServed);
  }

  /** The claim worth `value` is on disk: credit may extend over it. */
  markDurable(value: bigint): void {
    if (value <= this.#durableValue) return;
    this.#durableValue = value < this.value ? value : this.value;
    if (this.#sessionOpen && !this.#closing)
      this.#serveLimit = this.#bytesPaidAt(this.#durableValue) + this.#creditBytes;
  }

  /** True when the in-memory claim is worth more than what is durable (time to persist). */
  get needsPersist(): boolean {
    return this.value > this.#durableValue;
  }

  /** Records bytes served (the caller checked `canServe`, or they arrived within a window it granted). */
  served(bytes: number): void {
    // The payer was up to date (less than a tick unpaid): the unpaid clock starts with these bytes, not at the
    // last raise — an idle session that then fills its credit window at once (faster than the first ticks
    // can come back, e.g. through a relay) is not stalled before it had the time to pay.
    if (bytes > 0 && this.unpaidBytes < TICK_BYTES) this.#lastRaiseAt = this.#now();
    this.#bytesServed += bytes;
  }

  /** Bytes served on this channel over its life, every session and both directions. */
  get bytesServed(): number {
    return this.#bytesServed;
  }

  /** Bytes the claim pays for, over the channel's life. */
  get bytesPaid(): number {
    return this.#bytesPaidAt(this.value);
  }

  #bytesPaidAt(value: bigint): number {
    if (this.tickValue === 0n) return Number.MAX_SAFE_INTEGER;
    return Number(value / this.tickValue) * TICK_BYTES;
  }

  /** Bytes served and not yet paid (≤ the credit window). */
  get unpaidBytes(): number {
    return Math.max(0, this.#bytesServed - this.bytesPaid);
  }

  /** Value of the best claim: voucher amount + ticks since it, capped at the deposit (the restored
   * claim's value until this process accepts a voucher). */
  get value(): bigint {
    if (!this.#voucher) return this.#floor;
    const ticks = this.#verifier ? BigInt(this.#verifier.claim.ticks) : 0n;
    const raw = this.#voucher.voucher.amount + ticks * this.tickValue;
    return raw > this.#deposit ? this.#deposit : raw;
  }

  /** The claim to redeem on chain, or undefined before this process accepted a voucher. */
  get claim(): Claim | undefined {
    if (!this.#voucher || !this.#verifier) return undefined;
    const { preimage, ticks } = this.#verifier.claim;
    return { signed: this.#voucher, preimage: `0x${preimage.toString('hex')}`, ticks, value: this.value };
  }
}
