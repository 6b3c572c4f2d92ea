/**
 * Joins two duplex streams both ways with back-pressure (`pipe` pauses the source when the
 * destination's `write()` returns false and resumes on `drain`), propagating half-close, and
 * destroying both sides when either fails. Calls `onDone` once when both are gone.
 */
import type { Duplex } from 'node:stream';

export function splice(a: Duplex, b: Duplex, onDone?: (error?: Error) => void): void {
  let done = false;
  let closed = 0;
  const finish = (error?: Error) => {
    if (error) {
      a.destroy();
      b.destroy();
    }
    if (!done && (error || closed === 2)) {
      done = true;
      onDone?.(error);
    }
  };
  for (const side of [a, b]) {
    side.on('error', (error: Error) => finish(error));
    side.once('close', () => {
      closed++;
      // One side gone without error: the other cannot deliver anything more either.
      const other = side === a ? b : a;
      if (!other.writableFinished && !other.destroyed) {
        if (side.readableEnded) other.end();
        else other.destroy();
      }
      finish();
    });
  }
  a.pipe(b);
  b.pipe(a);
}
