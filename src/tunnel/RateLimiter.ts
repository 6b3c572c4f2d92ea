/**
 * A provider's capacity: one token bucket shared by all its sessions' outgoing DATA, refilled at
 * `bytesPerSecond` and holding at most `burstBytes`. A session may send while the bucket is not
 * empty (a frame may overdraw it; the overdraft is waited off), and sessions that find it empty
 * wait their turn. Turns go by weighted fair queuing: among waiting sessions, the one with the
 * least service per unit of weight during the current contention goes first, so a session of
 * weight 4 gets four times the bytes of a session of weight 1 while both want more than the bucket
 * gives (a priority session pays a premium for its weight). Without contention, weights change
 * nothing.
 *
 * The operator caps what it sells at its registered capacity with this (`bandex node --rate-limit`);
 * the devnet uses it to run providers whose real capacity differs from their claim.
 */

/**
 * The scheduling weight of a session whose channel carries a priority premium of `premiumBps`:
 * 1 + premiumBps / 1,000, so a 10 % premium doubles the session's share under contention and the
 * largest premium (100 %) gets eleven times the share of a session without one.
 */
export function weightForPremium(premiumBps: number): number {
  return 1 + Math.max(0, premiumBps) / 1_000;
}

/** A session that waits for the bucket: `resume` flushes its blocked streams. */
export type RateWaiter = { weight: number; resume(): void };

export class RateLimiter {
  readonly bytesPerSecond: number;
  readonly burstBytes: number;
  #tokens: number;
  #refilledAt = performance.now();
  #timer: NodeJS.Timeout | undefined;
  /** Service per unit of weight during the current contention, of every waiter seen in it. */
  readonly #served = new Map<RateWaiter, number>();
  readonly #waiting = new Set<RateWaiter>();
  /** Virtual time of the current contention: the least service per weight among waiters at the last turn. */
  #virtual = 0;

  constructor(bytesPerSecond: number, burstBytes = Math.max(64 * 1024, Math.round(bytesPerSecond / 20))) {
    if (!(bytesPerSecond > 0)) throw new RangeError('a rate limit must be positive');
    this.bytesPerSecond = bytesPerSecond;
    this.burstBytes = burstBytes;
    this.#tokens = burstBytes;
  }

  /** True when DATA may be sent now. */
  canSend(): boolean {
    this.#refill();
    return this.#tokens > 0;
  }

  /** Accounts `bytes` just sent by `waiter`. */
  take(bytes: number, waiter: RateWaiter): void {
    this.#tokens -= bytes;
    if (this.#served.has(waiter)) this.#served.set(waiter, (this.#served.get(waiter) ?? 0) + bytes / waiter.weight);
  }

  /** `waiter` found the bucket empty: it is resumed when its turn comes. */
  wait(waiter: RateWaiter): void {
    if (!this.#waiting.has(waiter)) {
      // A newcomer, or a session back after wanting nothing for a while, starts no lower than the
      // contention's virtual time: service it did not ask for is not owed to it later (no catching up
      // on the past). A session that keeps wanting is at or above it already and keeps its account.
      const own = this.#served.get(waiter);
      this.#served.set(waiter, own === undefined ? this.#virtual : Math.max(own, this.#virtual));
    }
    this.#waiting.add(waiter);
    this.#schedule();
  }

  /** Forgets `waiter` (its session closed). */
  remove(waiter: RateWaiter): void {
    this.#waiting.delete(waiter);
    this.#served.delete(waiter);
  }

  #refill(): void {
    const now = performance.now();
    this.#tokens = Math.min(this.burstBytes, this.#tokens + ((now - this.#refilledAt) * this.bytesPerSecond) / 1000);
    this.#refilledAt = now;
  }

  #schedule(): void {
    if (this.#timer || this.#waiting.size === 0) return;
    this.#refill();
    const deficit = Math.max(1, 1 - this.#tokens);
    const delay = Math.max(1, Math.ceil((deficit * 1000) / this.bytesPerSecond));
    this.#timer = setTimeout(this.#turn, delay);
    this.#timer.unref();
  }

  #turn = (): void => {
    this.#timer = undefined;
    const order = [...this.#waiting].sort((a, b) => (this.#served.get(a) ?? 0) - (this.#served.get(b) ?? 0));
    const first = order[0];
    if (first) this.#virtual = Math.max(this.#virtual, this.#served.get(first) ?? 0);
    for (const waiter of order) {
      if (!this.canSend()) break;
      this.#waiting.delete(waiter);
      waiter.resume();
    }
    if (this.#waiting.size === 0) {
      // Contention is over: the next one starts from equal shares.
      for (const waiter of this.#served.keys()) if (!this.#waiting.has(waiter)) this.#served.delete(waiter);
      this.#virtual = 0;
    }
    this.#schedule();
  };
}
