/**
 * `assert.rejects` predicate for a contract revert: true when the transaction pipeline decoded the
 * contract's custom error `errorName` (a typed `CallRevertedError`, not a pattern on a message).
 */
import { CallRevertedError } from '../../src/chain/errors.ts';

export function reverted(errorName: string): (error: unknown) => boolean {
  return (error) => error instanceof CallRevertedError && error.meta.errorName === errorName;
}
