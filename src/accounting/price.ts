/** Price arithmetic: wei per GiB to wei per tick. */
import { GIB, TICK_BYTES } from './constants.ts';

/** Wei one tick of `tickBytes` pays at `priceWeiPerGiB`, rounded up (a provider is never underpaid
 * by more than one wei per tick; the payer overpays by less than one wei per tick). */
export function tickValueFor(priceWeiPerGiB: bigint, tickBytes = TICK_BYTES): bigint {
  const numerator = priceWeiPerGiB * BigInt(tickBytes);
  const gib = BigInt(GIB);
  return (numerator + gib - 1n) / gib;
}

/** Highest priority premium a channel may carry (the contract's `MAX_PREMIUM_BPS`): twice the price. */
export const MAX_PREMIUM_BPS = 10_000;

/** The price a channel with a priority premium of `premiumBps` pays: price × (1 + premiumBps / 10,000), rounded up. */
export function premiumPrice(priceWeiPerGiB: bigint, premiumBps: number | bigint): bigint {
  const p = BigInt(premiumBps);
  if (p < 0n || p > BigInt(MAX_PREMIUM_BPS)) throw new RangeError(`a premium is 0 to ${MAX_PREMIUM_BPS} bps, not ${p}`);
  return (priceWeiPerGiB * (10_000n + p) + 9_999n) / 10_000n;
}
