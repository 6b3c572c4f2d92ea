/** Errors of the ZK toolchain (build, check, prove), coded as `ZK_*`. */
import { BaseError } from '../errors/BaseError.ts';
import type { zkErrorCodes } from '../errors/codes.ts';

export class ZkError extends BaseError<{ circuit: string }> {
  override name = 'ZkError';
  constructor({
    code,
    message,
    circuit,
    details,
    cause,
  }: {
    code: (typeof zkErrorCodes)[number];
    message: string;
    circuit: string;
    details?: string;
    cause?: unknown;
  }) {
    super(message, { code, details, meta: { circuit }, cause });
  }
}
