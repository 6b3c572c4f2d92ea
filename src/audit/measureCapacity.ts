/**
 * Capacity measurement, FlashFlow-style: several measurers push a provider at the same time for a short
 * window, each through its own `streams` parallel streams to its own target in blast mode
 * (`startAuditTarget.ts`), and the provider's capacity is the SUM of their concurrent shares
 * (`sumShares`); one measurer alone may be limited by its own link.
 *
 * One measurer (`measureCapacity`): open the streams, write 'B' on each, and count the bytes that arrive
 * between `warmupMs` and `warmupMs + windowMs` after the call (TCP and tunnel slow start, and the initial
 * burst of a token bucket, fall in the warm-up), then destroy every stream. The clock starts when
 * `measureCapacity` is called, so measurers started together measure the same window. A chunk counts
 * in full when it is read inside the window. A stream that fails to open, errors or ends before the
 * window closes counts in `errors` (its bytes up to then still count).
 */
import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import type { OpenStream } from './sendCanary.ts';
import { MODE_BLAST } from './startAuditTarget.ts';

export type CapacityMeasurement = {
  /** Bytes read inside the window, over all streams. */
  bytes: number;
  /** `bytes` per second of the window. */
  bytesPerSecond: number;
  /** Streams asked for. */
  streams: number;
  /** Streams that failed to open, errored or ended before the window closed. */
  errors: number;
};

export type MeasureCapacityOptions = {
  streams: number;
  warmupMs: number;
  windowMs: number;
  /** Aborting destroys every stream and rejects with the signal's reason. */
  signal?: AbortSignal;
};

/** Counts bytes read inside `[startMs, endMs)` (pure: times are given, not read). */
export class WindowCounter {
  readonly startMs: number;
  readonly endMs: number;
  bytes = 0;
  /** Bytes seen before the window opened (warm-up) and after it closed. */
  outside = 0;

  constructor(startMs: number, endMs: number) {
    if (!(endMs > startMs)) throw new RangeError(`empty window [${startMs}, ${endMs})`);
    this.startMs = startMs;
    this.endMs = endMs;
  }

  add(bytes: number, atMs: number): void {
    if (atMs >= this.startMs && atMs < this.endMs) this.bytes += bytes;
    else this.outside += bytes;
  }

  bytesPerSecond(): number {
    return rate(this.bytes, this.endMs - this.startMs);
  }
}

/** Bytes per second of `bytes` counted over `windowMs`. */
export function rate(bytes: number, windowMs: number): number {
  if (!(windowMs > 0)) throw new RangeError(`window must be positive, not ${windowMs}`);
  return bytes / (windowMs / 1000);
}

/** A provider's capacity: the sum of the shares (bytes per second) its measurers saw concurrently. */
export function sumShares(shares: number[]): number {
  let sum = 0;
  for (const share of shares) {
    if (!Number.isFinite(share) || share < 0) throw new RangeError(`a share must be a finite rate ≥ 0, not ${share}`);
    sum += share;
  }
  return sum;
}

export function measureCapacity(
  open: OpenStream,
  target: { host: string; port: number },
  { streams, warmupMs, windowMs, signal }: MeasureCapacityOptions,
): Promise<CapacityMeasurement> {
  if (!Number.isInteger(streams) || streams < 1) {
    return Promise.reject(new RangeError(`streams must be a positive integer, not ${streams}`));
  }
  if (!(warmupMs >= 0) || !(windowMs > 0)) {
    return Promise.reject(new RangeError(`need warmupMs ≥ 0 and windowMs > 0, not ${warmupMs} and ${windowMs}`));
  }
  const started = performance.now();
  const counter = new WindowCounter(started + warmupMs, started + warmupMs + windowMs);
  return new Promise<CapacityMeasurement>((resolve, reject) => {
    const live = new Set<Duplex>();
    let errors = 0;
    let done = false;

    const stopAll = () => {
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      for (const stream of live) stream.destroy();
      live.clear();
    };
    const onAbort = () => {
      if (done) return;
      stopAll();
      reject(signal?.reason);
    };
    const timer = setTimeout(
      () => {
        if (done) return;
        stopAll();
        resolve({ bytes: counter.bytes, bytesPerSecond: rate(counter.bytes, windowMs), streams, errors });
      },
      Math.max(0, counter.endMs - performance.now()),
    );
    if (signal?.aborted) {
      onAbort();
      return;
    }
    signal?.addEventListener('abort', onAbort, { once: true });

    const failed = (stream: Duplex | undefined) => {
      if (done) return;
      if (stream) {
        if (!live.delete(stream)) return; // counted once
        stream.destroy();
      }
      errors++;
    };

    for (let i = 0; i < streams; i++) {
      let opening: Promise<Duplex>;
      try {
        opening = open(target);
      } catch {
        failed(undefined);
        continue;
      }
      opening.then(
        (stream) => {
          stream.on('error', () => failed(stream));
          if (done) {
            stream.destroy();
            return;
          }
          live.add(stream);
          stream.once('end', () => failed(stream));
          stream.once('close', () => failed(stream));
          stream.on('data', (chunk: Buffer) => counter.add(chunk.length, performance.now()));
          stream.resume(); // 'data' alone does not restart a stream someone paused
          stream.write(Buffer.of(MODE_BLAST));
        },
        () => failed(undefined),
      );
    }
  });
}
