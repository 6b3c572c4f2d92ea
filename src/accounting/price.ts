/** Price arithmetic: wei per GiB to wei per tick. */
import { GIB, TICK_BYTES } from './constants.ts';

/** Wei one tick of `tickBytes` pays at `priceWeiPerGiB`, rounded up (a provider is never underpaid
 * by more than one wei per tick; the payer overpays by less than one wei per tick). */
export function tickValueFor(priceWeiPerGiB: bigint, tickBytes = TICK_BYTES): bigint {
  const numerator = priceWeiPerGiB * BigInt(tickBytes);
  const gib = BigInt(GIB);
  return (numerator + gib - 1n) / gib;
}
