/**
 * The client's side of a paid session (pure state machine; signing is the only await). It pays, as
 * bytes arrive, one hash-chain tick per `TICK_BYTES` delivered (rounded up to a whole tick, so never
 * more than one tick ahead of delivery — within any credit window of at least one tick), and a
 * checkpoint voucher every `TICKS_PER_VOUCHER` ticks that re-anchors the chain at its head. It never
 * promises more than the deposit.
 */
import type { Hex, LocalAccount } from 'viem';
import { TICK_BYTES, TICKS_PER_VOUCHER } from './constants.ts';
import { AccountingError } from './errors.ts';
import { TickChain } from './hashChain.ts';
import { tickValueFor } from './price.ts';
import { type ChannelsDomain, type SignedVoucher, signVoucher } from './voucher.ts';

export type Payment = { kind: 'tick'; preimage: Buffer } | { kind: 'voucher'; signed: SignedVoucher };

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
  /** Hash-chain length; renewed with a new voucher when used up. */
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
    this.#chain = TickChain.create(params.chainLength ?? 65_536);
    this.#voucherAmount = params.alreadyPromised;
    this.#deposit = params.deposit;
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

  /** Records `bytes` more delivered and returns the payments now due (ticks, maybe a voucher). When the
   * deposit or budget stops it short, `blocked` says so. */
  async onDelivered(bytes: number): Promise<Payment[]> {
    this.#bytesDelivered += bytes;
    this.#blocked = undefined;
    const due = Math.ceil(this.#bytesDelivered / TICK_BYTES) - this.#ticksPaid;
    const payments: Payment[] = [];
    for (let i = 0; i < due; i++) {
      // Never promise beyond the deposit or the budget: stop here (nothing revealed is ever lost)
      // and say why; the caller tops up or raises the budget, then calls again.
      this.#blocked = this.#capReached();
      if (this.#blocked) break;
      if (this.#chain.remaining === 0) {
        this.#chain = TickChain.create(this.#chain.length);
        payments.push({ kind: 'voucher', signed: await this.checkpoint() });
      }
      payments.push({ kind: 'tick', preimage: this.#chain.next() });
      this.#ticksPaid++;
      this.#ticksSinceVoucher++;
      if (this.#ticksSinceVoucher >= (this.#params.ticksPerVoucher ?? TICKS_PER_VOUCHER))
        payments.push({ kind: 'voucher', signed: await this.checkpoint() });
    }
    return payments;
  }

  /** Raises the deposit the payer may promise against (after an on-chain top-up). */
  toppedUp(newDeposit: bigint): void {
    this.#deposit = newDeposit;
  }

  /** Why the last `onDelivered` could not pay everything due: a typed error to act on, or undefined. */
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
