/**
 * What a daemon tells its operator surface beyond `status()`: events as they happen (a session
 * opened or closed, a payment, a redemption) and errors counted by code. The daemons hold one
 * `Telemetry`; the event stream and `/metrics` read it.
 */
import { EventEmitter } from 'node:events';

export type DaemonEventType =
  | 'session-opened'
  | 'session-closed'
  | 'payment'
  | 'redemption'
  | 'path-rebuilt'
  | 'path-failed'
  | 'report'
  | 'slash'
  | 'error';

export type DaemonEvent = { type: DaemonEventType; at: number; data: Record<string, unknown> };

/** Error codes every daemon reports from the start (at 0), so dashboards see the series. */
const KNOWN_CODES = ['SESSION_UNPAID', 'TUNNEL_SESSION_CLOSED', 'TUNNEL_OPEN_FAILED'];

export class Telemetry {
  readonly #emitter = new EventEmitter();
  readonly errors = new Map<string, number>(KNOWN_CODES.map((code) => [code, 0]));

  constructor() {
    this.#emitter.setMaxListeners(0);
  }

  publish(type: DaemonEventType, data: Record<string, unknown> = {}): void {
    this.#emitter.emit('event', { type, at: Date.now(), data } satisfies DaemonEvent);
  }

  /** Counts an error by its code (`UNKNOWN` when it has none). */
  countError(code: string | undefined): void {
    const key = code && /^[A-Za-z0-9_.-]{1,64}$/.test(code) ? code : 'UNKNOWN';
    this.errors.set(key, (this.errors.get(key) ?? 0) + 1);
    this.publish('error', { code: key });
  }

  onEvent(listener: (event: DaemonEvent) => void): () => void {
    this.#emitter.on('event', listener);
    return () => this.#emitter.off('event', listener);
  }
}
