/**
 * When a payee should redeem (pure). Always when the payer has started a unilateral close (the claim
 * must land inside the challenge period); otherwise when the unredeemed value is worth the gas — at
 * least `minRedeemWei` — or when the last redemption is older than `maxIntervalMs`.
 */
export type RedeemPolicy = { minRedeemWei: bigint; maxIntervalMs: number };

export type RedeemDecisionInput = { unredeemedWei: bigint; closing: boolean; sinceLastRedeemMs: number };

export function shouldRedeem(policy: RedeemPolicy, input: RedeemDecisionInput): boolean {
  if (input.unredeemedWei <= 0n) return false;
  if (input.closing) return true;
  return input.unredeemedWei >= policy.minRedeemWei || input.sinceLastRedeemMs >= policy.maxIntervalMs;
}
