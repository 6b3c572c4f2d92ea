/** The auditor daemon's own failures (no local key, not a staked auditor). */
import { BaseError } from '../errors/BaseError.ts';

export class AuditorError extends BaseError<Record<string, unknown>> {
  override name = 'AuditorError';
}
