/** Retries an RPC call with exponential backoff; the last failure (or a revert, at once) is rethrown. */
import { CallRevertedError } from '../chain/errors.ts';

export type RetryOptions = { attempts?: number; baseDelayMs?: number; signal?: AbortSignal };

/** Attempts and delays: 5 tries over ~3 s rides out an RPC restart or a rate limit, then gives up to the caller. */
const DEFAULT_ATTEMPTS = 5;
const DEFAULT_BASE_DELAY_MS = 200;

export async function retry<T>(fn: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? DEFAULT_ATTEMPTS;
  const base = options.baseDelayMs ?? DEFAULT_BASE_DELAY_MS;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      // A revert is the chain's answer, not a transient failure: asking again gives the same one.
      if (attempt >= attempts || options.signal?.aborted || error instanceof CallRevertedError) throw error;
      await new Promise((resolve) => setTimeout(resolve, base * 2 ** (attempt - 1)));
    }
  }
}
