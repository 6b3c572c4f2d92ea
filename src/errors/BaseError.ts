/**
 * The one error class of Bandex. Every error a user or an integrator can hit is a
 * `BaseError` (or a subclass): a short message that says what happened, optional
 * details that say what to do, a stable machine-readable `code` (an `ErrorCode`, see
 * `codes.ts`), typed `meta`, and a walkable `cause` chain. Modelled on viem's `BaseError`
 * and Lodestar's coded errors.
 *
 * The convention for subclasses (viem's): one class per failure a caller may want to
 * tell apart, a constructor that takes ONE parameters object — the typed meta plus an
 * optional `cause` — and builds message, details and code itself:
 *
 * ```ts
 * export class FooTooLargeError extends BaseError<{ size: number; max: number }> {
 *   override name = 'FooTooLargeError';
 *   constructor({ size, max, cause }: { size: number; max: number; cause?: unknown }) {
 *     super(`foo of ${size} bytes is over ${max}`, { code: 'FOO_TOO_LARGE', details: 'send less', meta: { size, max }, cause });
 *   }
 * }
 * ```
 */
import type { ErrorCode } from './codes.ts';

export type BaseErrorParameters<Meta extends Record<string, unknown> = Record<string, unknown>> = {
  /** Stable identifier from `codes.ts`, never reworded once published. */
  code: ErrorCode;
  /** What to do about it, or more context. Shown after the message. */
  details?: string;
  /** Typed data for programs (amounts, addresses, limits). */
  meta?: Meta;
  cause?: unknown;
};

export class BaseError<Meta extends Record<string, unknown> = Record<string, unknown>> extends Error {
  override name = 'BandexError';
  readonly code: ErrorCode;
  readonly shortMessage: string;
  readonly details: string | undefined;
  readonly meta: Meta;

  constructor(shortMessage: string, params: BaseErrorParameters<Meta>) {
    super(params.details ? `${shortMessage}: ${params.details}` : shortMessage, { cause: params.cause });
    this.code = params.code;
    this.shortMessage = shortMessage;
    this.details = params.details;
    this.meta = (params.meta ?? {}) as Meta;
  }

  /** Walks the cause chain; returns the first error for which `predicate` holds. */
  walk(predicate?: (error: unknown) => boolean): unknown {
    let current: unknown = this;
    while (current) {
      if (!predicate || predicate(current)) return current;
      current = current instanceof Error ? current.cause : undefined;
    }
    return undefined;
  }
}

/**
 * True when `error` is a `BaseError` with the given code (anywhere in its cause chain). `code` is a
 * plain string so that tables of expected codes in tests need no cast; an unknown code is never found.
 */
export function hasErrorCode(error: unknown, code: ErrorCode | (string & {})): boolean {
  let current: unknown = error;
  while (current) {
    if (current instanceof BaseError && current.code === code) return true;
    current = current instanceof Error ? current.cause : undefined;
  }
  return false;
}
