/**
 * The Bandex code of any thrown value, for logs, telemetry and branching, instead of
 * `(error as { code?: string }).code` casts: the first `ErrorCode` found walking the
 * `cause` chain from the outside in. Node's own codes (`ENOENT`, …) are not `ErrorCode`s
 * and give `undefined`; read those from `NodeJS.ErrnoException` where they matter.
 */
import { type ErrorCode, isErrorCode } from './codes.ts';

/** Causes followed at most: a chain longer than this is a cycle or a bug, not information. */
const MAX_CAUSE_DEPTH = 16;

/**
 * @example
 * logger.warn({ code: codeOf(error) }, 'session ended');
 * if (codeOf(error) === 'CHAIN_CALL_REVERTED') ...
 */
export function codeOf(error: unknown): ErrorCode | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < MAX_CAUSE_DEPTH && typeof current === 'object' && current !== null; depth++) {
    const { code, cause } = current as { code?: unknown; cause?: unknown };
    if (isErrorCode(code)) return code;
    current = cause;
  }
  return undefined;
}
