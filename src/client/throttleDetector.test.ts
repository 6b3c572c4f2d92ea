/** The throttling detector, pure: samples with an injected clock, no timers. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  BACKLOG_MIN_BYTES,
  CLIENT_BUSY_UTILIZATION,
  REPORT_INTERVAL_MS,
  THROTTLE_FLOOR_BYTES_PER_SECOND,
  THROTTLE_WINDOW_MS,
  ThrottleDetector,
  type ThrottleSample,
  type ThrottleVerdict,
  throttleThreshold,
} from './throttleDetector.ts';

const CAPACITY = 16_000_000;

/**
 * Samples one a second: the provider gets `sentRate` bytes/s out, holds `pending` in its send buffer; the
 * client reads `receivedRate` bytes/s and is `utilization` busy. Each field may be a function of the index.
 */
function samples(
  count: number,
  shape: {
    sentRate: number;
    receivedRate?: number;
    pending: number | ((i: number) => number);
    ahead?: number | ((i: number) => number);
    utilization?: number | ((i: number) => number);
  },
): ThrottleSample[] {
  const at = (v: number | ((i: number) => number) | undefined, i: number, fallback: number) =>
    typeof v === 'function' ? v(i) : (v ?? fallback);
  return Array.from({ length: count }, (_, i) => ({
    report: {
      atMs: 10_000 + i * REPORT_INTERVAL_MS,
      sentBytes: 5_000_000 + i * shape.sentRate,
      pendingBytes: at(shape.pending, i, 0),
    },
    atMs: 50_000 + i * REPORT_INTERVAL_MS,
    receivedBytes: 4_000_000 + i * (shape.receivedRate ?? shape.sentRate),
    aheadBytes: at(shape.ahead, i, 0),
    clientUtilization: at(shape.utilization, i, 0.02),
  }));
}

function run(detector: ThrottleDetector, list: ThrottleSample[]): ThrottleVerdict[] {
  return list.map((s) => detector.add(s));
}

const firstThrottled = (verdicts: ThrottleVerdict[]) => verdicts.findIndex((v) => v.throttled);

describe('ThrottleDetector', () => {
  it('the threshold is a tenth of the capacity, never above 1 MB/s, 1 MB/s when the capacity is unknown', () => {
    assert.equal(throttleThreshold(16_000_000), THROTTLE_FLOOR_BYTES_PER_SECOND);
    assert.equal(throttleThreshold(2_000_000), 200_000);
    assert.equal(throttleThreshold(0), THROTTLE_FLOOR_BYTES_PER_SECOND);
  });

  it('a provider backlogged at 200 KB/s for the whole window is throttled, once the window is full', () => {
    const verdicts = run(
      new ThrottleDetector({ capacityBytesPerSecond: CAPACITY }),
      samples(12, { sentRate: 200_000, pending: 512 * 1024 }),
    );
    const at = firstThrottled(verdicts);
    assert.equal(at, THROTTLE_WINDOW_MS / REPORT_INTERVAL_MS, 'not before the window is full, at once after');
    const verdict = verdicts[at] as Extract<ThrottleVerdict, { throttled: true }>;
    assert.equal(Math.round(verdict.sentBytesPerSecond), 200_000);
    assert.equal(Math.round(verdict.receivedBytesPerSecond), 200_000);
    assert.equal(verdict.backloggedMs, THROTTLE_WINDOW_MS);
    assert.equal(verdict.thresholdBytesPerSecond, THROTTLE_FLOOR_BYTES_PER_SECOND);
  });

  it('a backlog beyond the provider’s own buffer (its kernel, a middlebox) counts as well', () => {
    const verdicts = run(
      new ThrottleDetector({ capacityBytesPerSecond: CAPACITY }),
      samples(12, { sentRate: 200_000, pending: 0, ahead: 2 * 1024 * 1024 }),
    );
    assert.equal(firstThrottled(verdicts), THROTTLE_WINDOW_MS / REPORT_INTERVAL_MS);
  });

  it('a slow origin (200 KB/s, nothing waiting in the send buffer) is not throttling', () => {
    const verdicts = run(
      new ThrottleDetector({ capacityBytesPerSecond: CAPACITY }),
      samples(30, { sentRate: 200_000, pending: 0, ahead: 1_000 }),
    );
    assert.equal(firstThrottled(verdicts), -1);
  });

  it('a fast transport whose buffer is full at every report (a bulk download at 50 MB/s) is not throttling', () => {
    const verdicts = run(
      new ThrottleDetector({ capacityBytesPerSecond: CAPACITY }),
      samples(30, { sentRate: 50_000_000, pending: 512 * 1024 }),
    );
    assert.equal(firstThrottled(verdicts), -1);
  });

  it('a backlog that breaks off for one report starts the window over', () => {
    const gap = 4;
    const verdicts = run(
      new ThrottleDetector({ capacityBytesPerSecond: CAPACITY }),
      samples(20, { sentRate: 200_000, pending: (i) => (i === gap ? BACKLOG_MIN_BYTES - 1 : 512 * 1024) }),
    );
    assert.equal(firstThrottled(verdicts), gap + 1 + THROTTLE_WINDOW_MS / REPORT_INTERVAL_MS);
  });

  it('a busy client (its event loop is what leaves the bytes in the network) is not throttling', () => {
    const busy = run(
      new ThrottleDetector({ capacityBytesPerSecond: CAPACITY }),
      samples(30, { sentRate: 200_000, pending: 512 * 1024, utilization: CLIENT_BUSY_UTILIZATION + 0.3 }),
    );
    assert.equal(firstThrottled(busy), -1);
    // Busy for a moment in the middle: the window starts over from the next idle report.
    const once = run(
      new ThrottleDetector({ capacityBytesPerSecond: CAPACITY }),
      samples(30, { sentRate: 200_000, pending: 512 * 1024, utilization: (i) => (i === 3 ? 0.9 : 0.02) }),
    );
    assert.equal(firstThrottled(once), 4 + THROTTLE_WINDOW_MS / REPORT_INTERVAL_MS);
  });

  it('a provider that claims a backlog while the client receives fast does not make it switch', () => {
    const verdicts = run(
      new ThrottleDetector({ capacityBytesPerSecond: CAPACITY }),
      samples(30, { sentRate: 100_000, receivedRate: 20_000_000, pending: 512 * 1024 }),
    );
    assert.equal(firstThrottled(verdicts), -1);
  });

  it('the rate is what the client received: a provider whose kernel took a burst at once is still throttled', () => {
    const verdicts = run(
      new ThrottleDetector({ capacityBytesPerSecond: CAPACITY }),
      samples(12, { sentRate: 3_000_000, receivedRate: 200_000, pending: 0, ahead: 4 * 1024 * 1024 }),
    );
    assert.equal(firstThrottled(verdicts), THROTTLE_WINDOW_MS / REPORT_INTERVAL_MS);
  });

  it('a low-capacity provider is judged against a tenth of its capacity', () => {
    // 300 KB/s is throttling for a 16 MB/s provider, and an ordinary day for a 2 MB/s one (threshold 200 KB/s).
    const list = samples(20, { sentRate: 300_000, pending: 512 * 1024 });
    assert.notEqual(firstThrottled(run(new ThrottleDetector({ capacityBytesPerSecond: CAPACITY }), list)), -1);
    assert.equal(firstThrottled(run(new ThrottleDetector({ capacityBytesPerSecond: 2_000_000 }), list)), -1);
  });

  it('a report whose clock or counters go backwards (wrapped, or a lie) starts over', () => {
    const list = samples(20, { sentRate: 200_000, pending: 512 * 1024 });
    const rewound = list.map((s, i) => (i === 5 ? { ...s, report: { ...s.report, atMs: 0 } } : s));
    const at = firstThrottled(run(new ThrottleDetector({ capacityBytesPerSecond: CAPACITY }), rewound));
    assert.equal(at, 6 + THROTTLE_WINDOW_MS / REPORT_INTERVAL_MS, 'the window starts after the rewound report');
  });

  it('judges the newest window: a transport that was fast and is now throttled is found within a window', () => {
    const fast = samples(30, { sentRate: 50_000_000, pending: 512 * 1024 });
    const last = fast.at(-1) as ThrottleSample;
    const slow = samples(20, { sentRate: 200_000, pending: 512 * 1024 }).map((s, i) => ({
      ...s,
      report: {
        ...s.report,
        atMs: last.report.atMs + (i + 1) * 1000,
        sentBytes: last.report.sentBytes + (i + 1) * 200_000,
      },
      atMs: last.atMs + (i + 1) * 1000,
      receivedBytes: last.receivedBytes + (i + 1) * 200_000,
    }));
    const verdicts = run(new ThrottleDetector({ capacityBytesPerSecond: CAPACITY }), [...fast, ...slow]);
    const at = firstThrottled(verdicts);
    assert.ok(at >= fast.length, `not while fast (${at})`);
    // The fast bytes leave the window after one window; the rate is then below the threshold.
    assert.ok(at <= fast.length + 2 * (THROTTLE_WINDOW_MS / REPORT_INTERVAL_MS), `within two windows (${at})`);
  });
});
