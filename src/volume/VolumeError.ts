/** Errors of the volume proofs: each names what is wrong with a receipt or a claim, and changes nothing. */
import { BaseError } from '../errors/BaseError.ts';
import type { volumeErrorCodes } from '../errors/codes.ts';

export type VolumeErrorCode = (typeof volumeErrorCodes)[number];

export class VolumeError extends BaseError<Record<string, unknown>> {
  override name = 'VolumeError';
  constructor(code: VolumeErrorCode, message: string, details?: string, meta: Record<string, unknown> = {}) {
    super(message, { code, ...(details ? { details } : {}), meta });
  }
}
