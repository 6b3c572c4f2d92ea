/**
 * The on-chain rules of a payment channel as pure functions: what a claim is worth, what a
 * redemption pays the payee after the burned premium share and the protocol fee, what a close pays and
 * refunds (the fee and burn of a channel stay in the contract until swept). Mirrors
 * `PaymentChannels.sol` exactly (the differential test in test/e2e/channelLedger.test.ts runs both on
 * random operation sequences); clients and providers use it to predict balances without a call.
 */

export type LedgerChannel = {
  deposit: bigint;
  /** Cumulative amount redeemed (before fees). */
  redeemed: bigint;
  /** Fee rate fixed when the channel opened, in basis points. */
  feeBps: bigint;
  /** Priority premium fixed at open, in basis points (0 = none). */
  premiumBps?: bigint;
  /** Share of the premium burned, in basis points, fixed at open. */
  premiumBurnBps?: bigint;
  closing: boolean;
  closed: boolean;
};

export type LedgerOutcome =
  | { ok: true; channel: LedgerChannel; toPayee: bigint; toPayer: bigint }
  | {
      ok: false;
      error: 'ChannelNotFound' | 'NothingToRedeem' | 'CloseBelowRedeemed' | 'AlreadyClosing' | 'NotClosing';
    };

/** What the voucher (plus `ticks` ticks) is worth on this channel: capped at the deposit. */
export function claimValue(amount: bigint, tickValue: bigint, ticks: number, deposit: bigint): bigint {
  const claim = amount + tickValue * BigInt(ticks);
  return claim > deposit ? deposit : claim;
}

/** The payee's share of a cumulative amount: the fee is `floor(x × feeBps / 10,000)` of the cumulative total. */
export function netOfFee(amount: bigint, feeBps: bigint): bigint {
  return amount - (amount * feeBps) / 10_000n;
}

export type Split = { burned: bigint; fee: bigint; payee: bigint };

/**
 * How a cumulative amount `x` of a channel splits (the contract's `split`): the premium part is
 * `floor(x × p / (10,000 + p))`, `burned = floor(premium × b / 10,000)`, then the fee applies to what is not
 * burned, `fee = floor((x − burned) × feeBps / 10,000)`, and the payee gets the rest. Every part is
 * non-decreasing in `x`; a redemption pays the increase of each, so payee + burned + fee = Δ exactly.
 */
export function splitAmount(
  x: bigint,
  channel: Pick<LedgerChannel, 'feeBps' | 'premiumBps' | 'premiumBurnBps'>,
): Split {
  const p = channel.premiumBps ?? 0n;
  const burned = p === 0n ? 0n : (((x * p) / (10_000n + p)) * (channel.premiumBurnBps ?? 0n)) / 10_000n;
  const fee = ((x - burned) * channel.feeBps) / 10_000n;
  return { burned, fee, payee: x - burned - fee };
}

/** The payee's cumulative share of `x` on this channel (fee and burned premium share withheld). */
export function payeeShare(
  x: bigint,
  channel: Pick<LedgerChannel, 'feeBps' | 'premiumBps' | 'premiumBurnBps'>,
): bigint {
  return splitAmount(x, channel).payee;
}

export function redeem(channel: LedgerChannel, claim: bigint): LedgerOutcome {
  if (channel.closed) return { ok: false, error: 'ChannelNotFound' };
  const capped = claim > channel.deposit ? channel.deposit : claim;
  if (capped <= channel.redeemed) return { ok: false, error: 'NothingToRedeem' };
  const toPayee = payeeShare(capped, channel) - payeeShare(channel.redeemed, channel);
  return { ok: true, channel: { ...channel, redeemed: capped }, toPayee, toPayer: 0n };
}

export function topUp(channel: LedgerChannel, amount: bigint): LedgerOutcome {
  if (channel.closed) return { ok: false, error: 'ChannelNotFound' };
  return { ok: true, channel: { ...channel, deposit: channel.deposit + amount }, toPayee: 0n, toPayer: -amount };
}

export function cooperativeClose(channel: LedgerChannel, amount: bigint): LedgerOutcome {
  if (channel.closed) return { ok: false, error: 'ChannelNotFound' };
  const final = amount < channel.deposit ? amount : channel.deposit;
  if (final < channel.redeemed) return { ok: false, error: 'CloseBelowRedeemed' };
  return {
    ok: true,
    // Like the contract, a cooperative close leaves a pending unilateral close marked.
    channel: { ...channel, redeemed: final, closed: true },
    toPayee: payeeShare(final, channel) - payeeShare(channel.redeemed, channel),
    toPayer: channel.deposit - final,
  };
}

export function startClose(channel: LedgerChannel): LedgerOutcome {
  if (channel.closed) return { ok: false, error: 'ChannelNotFound' };
  if (channel.closing) return { ok: false, error: 'AlreadyClosing' };
  return { ok: true, channel: { ...channel, closing: true }, toPayee: 0n, toPayer: 0n };
}

/** After the challenge period. */
export function settle(channel: LedgerChannel): LedgerOutcome {
  if (!channel.closing) return { ok: false, error: 'NotClosing' };
  if (channel.closed) return { ok: false, error: 'ChannelNotFound' };
  return {
    ok: true,
    channel: { ...channel, closed: true, closing: false },
    toPayee: 0n,
    toPayer: channel.deposit - channel.redeemed,
  };
}
