/** The client daemon's own failures (bad configuration, not enough providers for a path). */
import { BaseError } from '../errors/BaseError.ts';

export class ClientError extends BaseError<Record<string, unknown>> {
  override name = 'ClientError';
}
