/**
 * When a payee should redeem (pure). Always when the payer has started a unilateral close (the claim
 * must land inside the challenge period). Otherwise only when it pays for its gas: the unredeemed value
 * is at least `minRedeemWei` and at least `minGasMultiple` times the transaction's cost (in RBT wei,
 * converted by the caller) — or when the last redemption is older than `maxIntervalMs`, so nothing
 * sits unredeemed forever.
 */
export type RedeemPolicy = { minRedeemWei: bigint; maxIntervalMs: number; minGasMultiple?: bigint };

export type RedeemDecisionInput = {
  unredeemedWei: bigint;
  closing: boolean;
  sinceLastRedeemMs: number;
  /** What the redemption transaction would cost, in RBT wei (0 when unknown, e.g. the devnet). */
  gasCostWei?: bigint;
};

export function shouldRedeem(policy: RedeemPolicy, input: RedeemDecisionInput): boolean {
  if (input.unredeemedWei <= 0n) return false;
  if (input.closing) return true;
  const paysForGas = input.unredeemedWei >= (policy.minGasMultiple ?? 10n) * (input.gasCostWei ?? 0n);
  return (paysForGas && input.unredeemedWei >= policy.minRedeemWei) || input.sinceLastRedeemMs >= policy.maxIntervalMs;
}
