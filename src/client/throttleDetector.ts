/**
 * Is hop 1's transport being throttled by the network (a censor policing it to a few hundred KB/s), as
 * opposed to a slow origin, a slow application or a busy client? Pure: it is fed samples, each pairing a
 * REPORT of hop 1's provider (its send back-pressure toward the client, `MuxSession` REPORT frames) with
 * what the client saw over the same interval; no clock of its own.
 *
 * Only the sender knows that the network is the bottleneck: what it wrote waits for the network. A slow
 * origin leaves the provider nothing to send; a slow application stops it at the stream window (nothing
 * it may send); the provider's own capacity limiter holds data back before it is written. So a sample is
 * *backlogged* when bytes the provider had written were still on their way when it wrote its REPORT:
 * either in its own send buffer (`pendingBytes`, the part Node can see) or beyond it — in its kernel's
 * buffer, a middlebox's queue, the network — which the client measures as the bytes it received between
 * asking for the REPORT and reading it (`aheadBytes`: the REPORT is queued behind exactly those; on an
 * idle or fast link it arrives a round trip later, with little ahead of it). "Throttled" is: backlogged
 * in every sample for `THROTTLE_WINDOW_MS` on both clocks, while the rate the client received stayed
 * below `throttleThreshold(capacity)` — and the client's event loop was idle enough all along that its own
 * receive loop cannot be what held the bytes back. The rate is the client's own count: the provider's
 * (bytes handed to its kernel) comes in bursts as the kernel's buffer takes a stream window at once, and a
 * provider's word is not needed for what the client can count itself.
 */
import type { SendReport } from '../tunnel/muxFrame.ts';

/** How often the client asks hop 1 for a REPORT: one PING a second, nothing per chunk. */
export const REPORT_INTERVAL_MS = 1_000;
/**
 * A sample is *backlogged* when at least this much was waiting ahead of the REPORT: one full record. A
 * network with room takes a provider's writes within a tick and a REPORT comes back a round trip after it
 * was asked for; a record (or more) still queued ahead of it means the network is not taking the bytes as
 * fast as they come. (On a fast link, rate × round trip can exceed it: the rate threshold excludes those.)
 */
export const BACKLOG_MIN_BYTES = 64 * 1024;
/**
 * Backlogged without a break for this long (provider clock) before it counts: several reports, so a
 * burst that filled the buffer for a moment (a TCP slow start, one lost packet) is not throttling.
 */
export const THROTTLE_WINDOW_MS = 6_000;
/**
 * Throttled means far below what the provider can do: under a tenth of its capacity (audited, else the
 * capacity in its signed offer). A censor that throttles does not shave 20 %: Russia's TSPU held Twitter
 * to about 130 kbit/s in 2021 (Xue et al., IMC 2021), hundreds of times below any provider's capacity.
 */
export const THROTTLE_CAPACITY_FRACTION = 0.1;
/**
 * …and under 1 MB/s whatever the capacity: above it a transfer is usable, and a client on a slow but
 * honest link (a mobile network, a busy Wi-Fi) is not made to switch transports back and forth.
 */
export const THROTTLE_FLOOR_BYTES_PER_SECOND = 1_000_000;
/**
 * The client's event loop busier than this (share of the interval spent running, `eventLoopUtilization`)
 * means its own receive loop may be what leaves the provider's data in the network: not throttling.
 */
export const CLIENT_BUSY_UTILIZATION = 0.5;

/** What the client saw when a REPORT arrived. */
export type ThrottleSample = {
  report: SendReport;
  /** The client's clock (ms, monotonic) when the report arrived. */
  atMs: number;
  /** Bytes the client has read from hop 1's connection, cumulative. */
  receivedBytes: number;
  /** Bytes the client read between sending the PING that asked for this REPORT and reading the REPORT. */
  aheadBytes: number;
  /** The client's event-loop utilisation (0–1) since the previous sample. */
  clientUtilization: number;
};

export type ThrottleVerdict =
  | { throttled: false }
  | {
      throttled: true;
      /** What the provider handed to its kernel toward the client over the window, bytes/s (bursty: for diagnosis). */
      sentBytesPerSecond: number;
      /** What the client received over the window, bytes/s. */
      receivedBytesPerSecond: number;
      /** The rate under which the transport counts as throttled, bytes/s. */
      thresholdBytesPerSecond: number;
      /** How long the provider was back-pressured without a break, ms. */
      backloggedMs: number;
    };

/** The rate under which a backlogged transport is throttled, for a provider of `capacityBytesPerSecond` (0: unknown). */
export function throttleThreshold(capacityBytesPerSecond: number): number {
  const fraction = capacityBytesPerSecond > 0 ? capacityBytesPerSecond * THROTTLE_CAPACITY_FRACTION : Infinity;
  return Math.min(fraction, THROTTLE_FLOOR_BYTES_PER_SECOND);
}

export class ThrottleDetector {
  readonly #threshold: number;
  /** The current unbroken run of backlogged samples, oldest first (trimmed to one window). */
  #run: ThrottleSample[] = [];

  constructor({ capacityBytesPerSecond }: { capacityBytesPerSecond: number }) {
    this.#threshold = throttleThreshold(capacityBytesPerSecond);
  }

  /** Adds the next sample (in arrival order) and says whether the transport is throttled now. */
  add(sample: ThrottleSample): ThrottleVerdict {
    const last = this.#run.at(-1);
    if (
      last !== undefined &&
      (sample.report.atMs <= last.report.atMs ||
        sample.report.sentBytes < last.report.sentBytes ||
        sample.receivedBytes < last.receivedBytes ||
        sample.atMs <= last.atMs)
    ) {
      // A clock or counter that went backwards (a wrapped or lying report): nothing before it, nor it, counts.
      this.#run = [];
      return { throttled: false };
    }
    const backlog = Math.max(sample.report.pendingBytes, sample.aheadBytes);
    if (backlog < BACKLOG_MIN_BYTES || sample.clientUtilization > CLIENT_BUSY_UTILIZATION) {
      this.#run = []; // a break in the backlog, or a client too busy to tell: start over
      return { throttled: false };
    }
    this.#run.push(sample);
    const first = this.#run[0] as ThrottleSample;
    const backloggedMs = sample.report.atMs - first.report.atMs;
    // Both clocks must span the window: a provider cannot shorten it by reporting a clock that runs fast.
    if (!isWindow(first, sample)) return { throttled: false };
    const sentBytesPerSecond = ((sample.report.sentBytes - first.report.sentBytes) * 1000) / backloggedMs;
    const receivedBytesPerSecond = ((sample.receivedBytes - first.receivedBytes) * 1000) / (sample.atMs - first.atMs);
    // Keep one window: a run that was fast a minute ago and is slow now is judged on now.
    while (this.#run.length > 2 && isWindow(this.#run[1] as ThrottleSample, sample)) {
      this.#run.shift();
    }
    if (receivedBytesPerSecond >= this.#threshold) return { throttled: false };
    return {
      throttled: true,
      sentBytesPerSecond,
      receivedBytesPerSecond,
      thresholdBytesPerSecond: this.#threshold,
      backloggedMs,
    };
  }
}

/** `from` … `to` spans a whole window on both clocks. */
function isWindow(from: ThrottleSample, to: ThrottleSample): boolean {
  return to.report.atMs - from.report.atMs >= THROTTLE_WINDOW_MS && to.atMs - from.atMs >= THROTTLE_WINDOW_MS;
}
