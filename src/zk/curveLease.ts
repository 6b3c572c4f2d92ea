/**
 * snarkjs builds one bn128 curve per process (ffjavascript caches it on `globalThis.curve_bn128`) with a pool of
 * worker threads that keeps the process alive until `curve.terminate()`. `withCurve` counts the callers using it
 * and terminates the curve when the last one is done, so proving never holds a process (or a test run) open and
 * concurrent proofs never lose their curve halfway.
 */
let users = 0;

type CachedCurve = { terminate(): Promise<void> } | null | undefined;

export async function withCurve<T>(work: () => Promise<T>): Promise<T> {
  users++;
  try {
    return await work();
  } finally {
    users--;
    if (users === 0) {
      const curve = (globalThis as { curve_bn128?: CachedCurve }).curve_bn128;
      if (curve) await curve.terminate();
    }
  }
}
