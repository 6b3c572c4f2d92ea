/**
 * The shape of a customer-like session (pure), shared by the auditor's canary sessions and the devnet's
 * customer model, so that what a provider can measure of a session — when it starts, how long it lasts,
 * how many bytes go each way — is drawn from the same distributions for both:
 *
 * - duration: uniform in [`MIN_SESSION_MS`, the cap] (the cap: half an epoch for a probe, so a probe
 *   session never needs to overlap the previous epoch's);
 * - bytes down: log-uniform in [256 KiB, 4 MiB] (the devnet demo's downloads), fetched at a uniform
 *   moment of the session;
 * - bytes up: log-uniform in [1 KiB, 16 KiB] (a request with its headers and cookies);
 * - start: a uniform moment, unrelated to the audit epochs (`probeSessionWindow`).
 */

/** Shortest session: room for a download and a probe's canaries. */
export const MIN_SESSION_MS = 3_000;
/** Download volume per session (the devnet demo's range). */
export const MIN_DOWN_BYTES = 256 * 1024;
export const MAX_DOWN_BYTES = 4 * 1024 * 1024;
/** Upload volume per session: a request with headers and cookies. */
export const MIN_UP_BYTES = 1024;
export const MAX_UP_BYTES = 16 * 1024;
/** No traffic in the first and last this long of a session (the path is built; the close is on its way). */
const EDGE_MS = 200;

export type SessionShape = {
  durationMs: number;
  downBytes: number;
  upBytes: number;
  /** When in the session the download starts, as a fraction of the usable span, in [0, 1). */
  downloadAt: number;
};

function logUniform(min: number, max: number, u: number): number {
  return Math.round(Math.exp(Math.log(min) + u * (Math.log(max) - Math.log(min))));
}

/** One session's shape, with durations at most `maxDurationMs`; `random` in [0, 1). */
export function drawSessionShape(maxDurationMs: number, random: () => number = Math.random): SessionShape {
  const cap = Math.max(MIN_SESSION_MS, maxDurationMs);
  return {
    durationMs: Math.round(MIN_SESSION_MS + random() * (cap - MIN_SESSION_MS)),
    downBytes: logUniform(MIN_DOWN_BYTES, MAX_DOWN_BYTES, random()),
    upBytes: logUniform(MIN_UP_BYTES, MAX_UP_BYTES, random()),
    downloadAt: random(),
  };
}

/** The longest probe session in an epoch of `epochMs`. */
export function maxProbeSessionMs(epochMs: number): number {
  return Math.floor(epochMs / 2);
}

/**
 * When the canary session measuring the epoch starting at `epochStart` runs: it ends at a uniform moment
 * of an epoch-long window that closes `closeBeforeEndMs` before the epoch ends, so its start, taken modulo
 * the epoch, is uniform — a session can start in the previous epoch, as a customer's can. `u` in [0, 1).
 */
export function probeSessionWindow(
  epochStart: number,
  epochMs: number,
  durationMs: number,
  closeBeforeEndMs: number,
  u: number,
): { start: number; end: number } {
  const end = epochStart - closeBeforeEndMs + u * epochMs;
  return { start: end - durationMs, end };
}

/** `n` moments uniformly in the usable span of a session `[start, end]`, ascending; `random` in [0, 1). */
export function momentsIn(start: number, end: number, n: number, random: () => number = Math.random): number[] {
  const from = start + EDGE_MS;
  const span = Math.max(0, end - EDGE_MS - from);
  return Array.from({ length: n }, () => from + random() * span).sort((a, b) => a - b);
}

/** When the session's download starts. */
export function downloadMoment(start: number, end: number, shape: SessionShape): number {
  const from = start + EDGE_MS;
  return from + shape.downloadAt * Math.max(0, end - EDGE_MS - from);
}
