/**
 * Watches hop 1 of a path for a censor's throttling (`throttleDetector.ts`): once every
 * `REPORT_INTERVAL_MS` it asks hop 1's provider for a REPORT (a PING with the report flag; a provider
 * that predates reports just answers the PING, and nothing is ever detected on it), pairs each REPORT
 * with the client's own receive count and event-loop utilisation, and calls `onThrottled` once when the
 * detector says so. Costs one PING, one REPORT and one `eventLoopUtilization()` a second per path.
 */
import { performance } from 'node:perf_hooks';
import type { MuxSession } from '../tunnel/MuxSession.ts';
import type { SendReport } from '../tunnel/muxFrame.ts';
import { REPORT_INTERVAL_MS, ThrottleDetector, type ThrottleVerdict } from './throttleDetector.ts';

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
  let utilization = performance.eventLoopUtilization();
  const onReport = (report: SendReport): void => {
    const now = performance.eventLoopUtilization();
    const since = performance.eventLoopUtilization(now, utilization);
    utilization = now;
    const verdict = detector.add({
      report,
      atMs: performance.now(),
      receivedBytes: session.channel.bytesRead,
      clientUtilization: since.utilization,
    });
    if (!verdict.throttled) return;
    stop();
    onThrottled(verdict);
  };
  // The PING's own answer is not needed (the path manager's pings judge liveness): a short timeout drops it.
  const timer = setInterval(() => void session.ping(REPORT_INTERVAL_MS, { report: true }), REPORT_INTERVAL_MS);
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
