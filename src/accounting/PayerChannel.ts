/**
 * The client's side of a paid session (pure state machine; signing is the only await). It pays, as
 * bytes arrive, one hash-chain tick per `TICK_BYTES` delivered (rounded up to a whole tick, so never
 * more than one tick ahead of delivery — within any credit window of at least one tick), and a
 * checkpoint voucher every `TICKS_PER_VOUCHER` ticks that re-anchors the chain at its head. It never
 * promises more than the deposit.
 *
 * Driven synchronously: `addDelivered(bytes)`, then `takeTicks(max)` (one `ticks` payment for several
 * ticks: the newest preimage) while `ticksDue > 0`, and `payVoucher()` whenever `voucherDue` — what
 * `payHop` does to batch ticks.
 */
import type { Hex, LocalAccount } from 'viem';
import { DEFAULT_CHAIN_LENGTH, TICK_BYTES, TICKS_PER_VOUCHER } from './constants.ts';
import { AccountingError } from './errors.ts';
import { TickChain } from './hashChain.ts';
import { tickValueFor } from './price.ts';
import { type ChannelsDomain, type SignedVoucher, signVoucher } from './voucher.ts';

export type Payment = { kind: 'tick'; preimage: Buffer } | { kind: 'voucher'; signed: SignedVoucher };
/** `count` ticks paid by one preimage, the newest (the payee hashes it forward `count` times). */
export type TicksPayment = { kind: 'ticks'; preimage: Buffer; count: number };
/** Every payment message a session carries. */
export type PaymentMessage = Payment | TicksPayment;

export type PayerChannelParameters = {
  account: LocalAccount;
  domain: ChannelsDomain;
  channelId: Hex;
  deposit: bigint;
  /** Amount of the newest voucher already given to this payee on this channel (0 for a new channel). */
  alreadyPromised: bigint;
  priceWeiPerGiB: bigint;
  /** Most the client will ever promise on this channel (defaults to the deposit): a spending cap. */
  budgetWei?: bigint;
  /** Hash-chain length (default `DEFAULT_CHAIN_LENGTH`); renewed with a new voucher when used up. */
  chainLength?: number;
  ticksPerVoucher?: number;
};

export class PayerChannel {
  readonly tickValue: bigint;
  #params: PayerChannelParameters;
  #chain: TickChain;
  #voucherAmount: bigint;
  #ticksSinceVoucher = 0;
  #bytesDelivered = 0;
  #ticksPaid = 0;
  #deposit: bigint;
  #blocked: AccountingError | undefined;

  constructor(params: PayerChannelParameters) {
    this.#params = params;
    this.tickValue = tickValueFor(params.priceWeiPerGiB);
    this.#chain = TickChain.create(params.chainLength ?? DEFAULT_CHAIN_LENGTH);
    this.#voucherAmount = params.alreadyPromised;
    this.#deposit = params.deposit;
  }

  /**
   * Raises what the next voucher promises to `amount` (what the provider showed this channel already
   * owes, `session/openingAmount.ts`) before a session opens. Throws when it is beyond the deposit or budget.
   */
  resumeFrom(amount: bigint): void {
    if (amount <= this.#promised) return;
    const budget = this.#params.budgetWei;
    if (amount > this.#deposit || (budget !== undefined && amount > budget))
      throw new AccountingError(
        amount > this.#deposit ? 'PAYER_OVER_DEPOSIT' : 'PAYER_OVER_BUDGET',
        `the channel already owes ${amount}, beyond what this payer may promise`,
        'top up the channel or open a new one',
      );
    this.#voucherAmount = amount;
  }

  /** The opening voucher of a session: everything promised so far, committing to the chain's head. */
  open(): Promise<SignedVoucher> {
    return this.checkpoint();
  }

  /** Signs a voucher for everything promised so far, re-anchored at the chain's head. */
  checkpoint(): Promise<SignedVoucher> {
    this.#voucherAmount = this.#promised;
    this.#ticksSinceVoucher = 0;
    return this.#sign();
  }

  /** Records `bytes` more delivered; pays nothing (see `takeTicks`, `payVoucher`). */
  addDelivered(bytes: number): void {
    this.#bytesDelivered += bytes;
    this.#blocked = undefined;
  }

  /** Ticks owed for the bytes delivered and not yet revealed. */
  get ticksDue(): number {
    return Math.ceil(this.#bytesDelivered / TICK_BYTES) - this.#ticksPaid;
  }

  /**
   * True when a voucher must go out before any more ticks: `ticksPerVoucher` ticks since the last one
   * (a checkpoint), or the chain is used up while ticks are due and payable (a renewal).
   */
  get voucherDue(): boolean {
    if (this.#ticksSinceVoucher >= this.#ticksPerVoucher) return true;
    return this.#chain.remaining === 0 && this.ticksDue > 0 && this.#capReached() === undefined;
  }

  /** Signs the voucher `voucherDue` asks for, renewing the chain first when it is used up. */
  payVoucher(): Promise<SignedVoucher> {
    if (this.#chain.remaining === 0) this.#chain = TickChain.create(this.#chain.length);
    return this.checkpoint();
  }

  /**
   * Reveals up to `max` of the ticks due at once — never past the next checkpoint, the end of the chain,
   * the deposit or the budget — and returns them as one payment (the newest preimage and how many ticks
   * it pays), or undefined when none can be paid now (`voucherDue`, nothing due, or `blocked` says why).
   */
  takeTicks(max: number): TicksPayment | undefined {
    this.#blocked = undefined;
    const due = Math.min(max, this.ticksDue);
    if (due <= 0) return undefined;
    // Never promise beyond the deposit or the budget: pay what fits (nothing revealed is ever lost)
    // and say why; the caller tops up or raises the budget, then pays again.
    const cap = this.#capTicks();
    const count = Math.min(due, this.#ticksPerVoucher - this.#ticksSinceVoucher, this.#chain.remaining, cap);
    const preimage = count > 0 ? this.#chain.take(count) : undefined;
    if (preimage) {
      this.#ticksPaid += count;
      this.#ticksSinceVoucher += count;
    }
    if (cap === count && this.ticksDue > 0) this.#blocked = this.#capReached();
    return preimage && { kind: 'ticks', preimage, count };
  }

  get #ticksPerVoucher(): number {
    return this.#params.ticksPerVoucher ?? TICKS_PER_VOUCHER;
  }

  /** How many more ticks fit under the deposit and the budget. */
  #capTicks(): number {
    let limit = this.#deposit;
    const budget = this.#params.budgetWei;
    if (budget !== undefined && budget < limit) limit = budget;
    const room = limit - this.#promised;
    if (room < this.tickValue) return 0;
    if (this.tickValue === 0n) return Number.MAX_SAFE_INTEGER;
    const ticks = room / this.tickValue;
    return ticks > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(ticks);
  }

  /** Raises the deposit the payer may promise against (after an on-chain top-up). */
  toppedUp(newDeposit: bigint): void {
    this.#deposit = newDeposit;
  }

  /** Why the last `takeTicks` could not pay everything due: a typed error to act on, or undefined. */
  get blocked(): AccountingError | undefined {
    return this.#blocked;
  }

  #capReached(): AccountingError | undefined {
    const next = this.#promised + this.tickValue;
    if (next > this.#deposit)
      return new AccountingError(
        'PAYER_OVER_DEPOSIT',
        `paying another tick would promise more than the deposit ${this.#deposit}`,
        'top up the channel (or open a new one) to keep the session going',
      );
    const budget = this.#params.budgetWei;
    if (budget !== undefined && next > budget)
      return new AccountingError(
        'PAYER_OVER_BUDGET',
        `paying another tick would exceed the budget of ${budget} wei`,
        'raise the budget to keep the session going',
      );
    return undefined;
  }

  /** Everything promised so far: the newest voucher plus the ticks since. */
  get promised(): bigint {
    return this.#promised;
  }

  /** Head of the current hash chain: the anchor the next voucher commits to (what a session proposal names). */
  get tickAnchor(): Hex {
    return `0x${this.#chain.head.toString('hex')}`;
  }

  get bytesDelivered(): number {
    return this.#bytesDelivered;
  }

  get bytesPaid(): number {
    return this.#ticksPaid * TICK_BYTES;
  }

  get #promised(): bigint {
    return this.#voucherAmount + BigInt(this.#ticksSinceVoucher) * this.tickValue;
  }

  #sign(): Promise<SignedVoucher> {
    return signVoucher(this.#params.account, this.#params.domain, {
      channelId: this.#params.channelId,
      amount: this.#voucherAmount,
      tickAnchor: this.tickAnchor,
      tickValue: this.tickValue,
    });
  }
}
