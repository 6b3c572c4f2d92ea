import { BaseError } from '../errors/BaseError.ts';

/** A path could not be built: a hop refused, a channel could not be funded, … (`code` says which). */
export class PathError extends BaseError<Record<string, unknown>> {
  override name = 'PathError';
}
