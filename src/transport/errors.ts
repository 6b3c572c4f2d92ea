/**
 * Errors of the transport layer (`TRANSPORT_*` codes). None carries traffic content, keys or
 * secret paths in its message.
 */
import { BaseError, type BaseErrorParameters } from '../errors/BaseError.ts';

export class TransportError extends BaseError {
  override name = 'TransportError';
  constructor(message: string, params: BaseErrorParameters) {
    super(message, params);
  }
}
