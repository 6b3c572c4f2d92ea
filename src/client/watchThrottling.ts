/**
 * Watches hop 1 of a path for a censor's throttling (`throttleDetector.ts`): once every
 * `REPORT_INTERVAL_MS` it asks hop 1's provider for a REPORT (a PING with the report flag), notes how
 * much it had read from hop 1 when it asked, pairs each REPORT with what it read until then (the bytes
 * queued ahead of the REPORT), its own receive count and its event-loop utilisation, and calls
 * `onThrottled` once when the detector says so. REPORTs come back in the order they were asked for (one
 * ordered channel); while `MAX_OUTSTANDING_REPORTS` are unanswered it asks no more — a provider that
 * predates REPORTs answers the PING only, so it is asked that many times, then never (nothing is detected
 * on it). An idle path is not asked. Costs one PING, one REPORT and one `eventLoopUtilization()` a second
 * per busy path; nothing per chunk.
 */
import { performance } from 'node:perf_hooks';
import type { MuxSession } from '../tunnel/MuxSession.ts';
import type { SendReport } from '../tunnel/muxFrame.ts';
import { REPORT_INTERVAL_MS, ThrottleDetector, type ThrottleVerdict } from './throttleDetector.ts';

/**
 * Requests without a REPORT yet, at most: behind a throttled link's queue a REPORT may take tens of seconds
 * (4 MiB of stream window at 200 KB/s is 20 s), so a few dozen wait; beyond, asking pauses until one comes.
 */
export const MAX_OUTSTANDING_REPORTS = 32;
/** Under this many bytes read in an interval (a few control records; a throttled transfer reads far more), the path is idle and hop 1 is not asked. */
const IDLE_BYTES = 1024;

export type WatchThrottlingParameters = {
  /** Hop 1's session (the provider whose connection to the client is on the wire). */
  session: MuxSession;
  /** Hop 1's provider's capacity (audited, else its offer's), bytes/s; 0 when unknown. */
  capacityBytesPerSecond: number;
  onThrottled: (verdict: Extract<ThrottleVerdict, { throttled: true }>) => void;
};

/** Starts watching; the returned function stops (also stopped when the session closes or once it fired). */
export function watchThrottling({
  session,
  capacityBytesPerSecond,
  onThrottled,
}: WatchThrottlingParameters): () => void {
  const detector = new ThrottleDetector({ capacityBytesPerSecond });
  /** What the client had read from hop 1 when it asked for each REPORT still to come, oldest first. */
  const asked: number[] = [];
  // The event loop's utilisation over the last whole interval (REPORTs come in bursts: measured between two of
  // them, a few microseconds apart, it would say 1).
  let elu = performance.eventLoopUtilization();
  let utilization = 0;
  const onReport = (report: SendReport): void => {
    const askedAt = asked.shift();
    if (askedAt === undefined) return; // not asked for: a provider that does not follow the protocol
    const receivedBytes = session.channel.bytesRead;
    const verdict = detector.add({
      report,
      atMs: performance.now(),
      receivedBytes,
      aheadBytes: receivedBytes - askedAt,
      clientUtilization: utilization,
    });
    if (!verdict.throttled) return;
    stop();
    onThrottled(verdict);
  };
  let readAtLastTick = session.channel.bytesRead;
  const ask = (): void => {
    const now = performance.eventLoopUtilization();
    utilization = performance.eventLoopUtilization(now, elu).utilization;
    elu = now;
    // An idle path has nothing to throttle: it is not asked (no once-a-second pattern on an idle connection).
    const read = session.channel.bytesRead;
    const idle = read - readAtLastTick < IDLE_BYTES && asked.length === 0;
    readAtLastTick = read;
    if (idle || asked.length >= MAX_OUTSTANDING_REPORTS) return;
    asked.push(session.channel.bytesRead);
    // The PING's own answer is not needed (the path manager's pings judge liveness): a short timeout drops it.
    void session.ping(REPORT_INTERVAL_MS, { report: true });
  };
  const timer = setInterval(ask, REPORT_INTERVAL_MS);
  timer.unref();
  const stop = (): void => {
    clearInterval(timer);
    session.off('report', onReport);
    session.off('close', stop);
  };
  session.on('report', onReport);
  session.once('close', stop);
  return stop;
}
