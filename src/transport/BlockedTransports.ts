/**
 * A client's memory of transports that a censor seems to block, per provider: a connection reset,
 * refused or timed out during the transport's or the tunnel's handshake, reset mid-session, or throttled
 * far below the provider's capacity (`client/throttleDetector.ts`). Such a
 * transport goes to the back of the client's preference for `BLOCKED_TRANSPORT_MS` (tried last, not
 * never: a reset may have been bad luck). Pure apart from the clock, which is injected.
 */
import type { TransportName } from './transportSpec.ts';

/** How long a transport that was reset stays at the back: long enough for a download's retries, short enough to notice unblocking. */
export const BLOCKED_TRANSPORT_MS = 10 * 60_000;

/** Error codes (ours or the socket's) that a censor's interference produces; anything else is not a block. */
const BLOCKING_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'TRANSPORT_CONNECT_FAILED',
  'TRANSPORT_TIMEOUT',
  'TUNNEL_HANDSHAKE_TIMEOUT',
  'TUNNEL_HANDSHAKE_CLOSED',
  'TUNNEL_TRUNCATED',
]);

/** True when `error` (or anything in its cause chain) looks like a censor's reset or drop. */
export function isBlockingFailure(error: unknown): boolean {
  for (let e = error, depth = 0; e && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && BLOCKING_CODES.has(code)) return true;
  }
  return false;
}

/** Why a transport was blocked: the connection was reset or failed its handshake, or it was throttled. */
export type BlockReason = 'reset' | 'throttled';

export class BlockedTransports {
  readonly #until = new Map<string, { until: number; reason: BlockReason }>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  block(provider: string, transport: TransportName, reason: BlockReason = 'reset'): void {
    this.#until.set(`${provider.toLowerCase()} ${transport}`, { until: this.#now() + BLOCKED_TRANSPORT_MS, reason });
  }

  /** Why `transport` is blocked for `provider`, or undefined when it is not (or no longer). */
  reason(provider: string, transport: TransportName): BlockReason | undefined {
    const key = `${provider.toLowerCase()} ${transport}`;
    const entry = this.#until.get(key);
    if (entry === undefined) return undefined;
    if (entry.until > this.#now()) return entry.reason;
    this.#until.delete(key);
    return undefined;
  }

  isBlocked(provider: string, transport: TransportName): boolean {
    return this.reason(provider, transport) !== undefined;
  }

  /** `choices` with the blocked ones moved to the back (order otherwise kept). */
  order<T extends { name: TransportName }>(provider: string, choices: readonly T[]): T[] {
    return [
      ...choices.filter((c) => !this.isBlocked(provider, c.name)),
      ...choices.filter((c) => this.isBlocked(provider, c.name)),
    ];
  }
}
