/** Errors the CLI finds before sending anything: a balance too small, a state that does not allow the step. */
import { BaseError } from '../errors/BaseError.ts';

export class InsufficientBalanceError extends BaseError<{ address: string; have: string; need: string }> {
  override name = 'InsufficientBalanceError';
  /** `what`: the token; `have`/`need`: amounts as people read them; `hint`: what to do. */
  constructor({
    what,
    address,
    have,
    need,
    hint,
  }: { what: string; address: string; have: string; need: string; hint: string }) {
    super(`insufficient ${what}: ${address} holds ${have}, this needs ${need}`, {
      code: 'CLI_INSUFFICIENT_BALANCE',
      details: hint,
      meta: { address, have, need },
    });
  }
}

export class NotAllowedNowError extends BaseError {
  override name = 'NotAllowedNowError';
  constructor({ reason, hint }: { reason: string; hint: string }) {
    super(reason, { code: 'CLI_NOT_ALLOWED_NOW', details: hint });
  }
}

/** A date for people: ISO 8601 in UTC, from seconds since the epoch. */
export function formatTime(seconds: bigint | number): string {
  return new Date(Number(seconds) * 1000).toISOString().replace('.000Z', 'Z');
}
