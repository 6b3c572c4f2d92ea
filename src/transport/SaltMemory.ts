/**
 * The client salts an obfs server has accepted, kept for two clock-skew windows: a replayed first
 * packet (an active prober's favourite) carries a salt already seen and is treated like noise.
 * Bounded: past `max` salts the oldest are forgotten (a replay older than the skew window is refused
 * by its timestamp anyway).
 */
import { OBFS_MAX_REMEMBERED_SALTS, OBFS_MAX_SKEW_S } from './constants.ts';

export class SaltMemory {
  readonly #seen = new Map<string, number>();
  readonly #max: number;

  constructor(max = OBFS_MAX_REMEMBERED_SALTS) {
    this.#max = max;
  }

  /** Records `salt` at `nowSeconds`; false when it was already seen (a replay). */
  remember(salt: Buffer, nowSeconds: number): boolean {
    for (const [key, at] of this.#seen) {
      if (at > nowSeconds - 2 * OBFS_MAX_SKEW_S && this.#seen.size < this.#max) break;
      this.#seen.delete(key);
    }
    const key = salt.toString('base64');
    if (this.#seen.has(key)) return false;
    this.#seen.set(key, nowSeconds);
    return true;
  }
}
