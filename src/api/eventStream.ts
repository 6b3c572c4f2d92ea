/**
 * `GET /api/events`: a server-sent-events stream. Each subscriber first gets every source's current
 * snapshot (`event: status`, `event: network`, …), then the snapshots again on their interval
 * (status every second) and right after every daemon event (`event: session-opened`, `payment`, …,
 * `data:` the event as JSON). Payments and redemptions are found by comparing successive status
 * snapshots (`detect`). Sources are read only while someone listens, once per tick for all.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Logger, silentLogger } from '../log/logger.ts';
import { toJson } from './startApiServer.ts';
import type { DaemonEvent, Telemetry } from './telemetry.ts';

export type SnapshotSource = { read(): unknown | Promise<unknown>; intervalMs: number };

export type EventStreamParameters = {
  /** `status` is the one the change detector sees. */
  sources: Record<string, SnapshotSource>;
  telemetry?: Telemetry;
  /** Events found by comparing the previous status snapshot with the next. */
  detect?: (previous: unknown, next: unknown) => Omit<DaemonEvent, 'at'>[];
  logger?: Logger;
};

const TICK_MS = 1_000;

export class EventStream {
  readonly #p: EventStreamParameters;
  readonly #subscribers = new Set<ServerResponse>();
  readonly #last = new Map<string, { at: number; json: string }>();
  #previousStatus: unknown;
  #timer: NodeJS.Timeout | undefined;
  #reading = new Map<string, Promise<void>>();
  #unsubscribe: (() => void) | undefined;
  #nextId = 1;

  constructor(params: EventStreamParameters) {
    this.#p = params;
  }

  get subscribers(): number {
    return this.#subscribers.size;
  }

  /** Serves one subscriber until it disconnects or the stream closes. */
  handle(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 2000\n\n');
    this.#subscribers.add(res);
    req.socket.setNoDelay(true);
    const drop = () => {
      this.#subscribers.delete(res);
      if (this.#subscribers.size === 0) this.#stop();
    };
    req.once('close', drop);
    res.once('close', drop);
    this.#start();
    for (const [name, last] of this.#last) this.#write(res, name, last.json);
    for (const name of Object.keys(this.#p.sources)) this.#refresh(name, !this.#last.has(name));
  }

  /** Ends every subscriber (the server is closing). */
  close(): void {
    this.#stop();
    for (const res of this.#subscribers) res.end();
    this.#subscribers.clear();
  }

  #start(): void {
    if (this.#timer) return;
    this.#unsubscribe = this.#p.telemetry?.onEvent((event) => {
      this.#broadcast(event.type, toJson(event));
      // A session opened or closed: show its effect at once.
      if (event.type !== 'error') this.#refresh('status', true);
    });
    this.#timer = setInterval(() => {
      const now = Date.now();
      for (const [name, source] of Object.entries(this.#p.sources)) {
        const last = this.#last.get(name);
        if (!last || now - last.at >= source.intervalMs - TICK_MS / 2) this.#refresh(name, true);
      }
    }, TICK_MS);
    this.#timer.unref();
  }

  #stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#previousStatus = undefined;
  }

  /** Reads `name` (once at a time) and sends it to every subscriber. */
  #refresh(name: string, broadcast: boolean): void {
    const source = this.#p.sources[name];
    if (!source || this.#reading.has(name)) return;
    const reading = (async () => {
      try {
        const value = await source.read();
        const json = toJson(value);
        this.#last.set(name, { at: Date.now(), json });
        if (name === 'status' && this.#p.detect) {
          const previous = this.#previousStatus;
          this.#previousStatus = value;
          if (previous !== undefined)
            for (const event of this.#p.detect(previous, value))
              this.#broadcast(event.type, toJson({ ...event, at: Date.now() }));
        }
        if (broadcast || this.#subscribers.size > 0) this.#broadcast(name, json);
      } catch (error) {
        (this.#p.logger ?? silentLogger).warn({ err: error, source: name }, 'event stream snapshot failed');
      } finally {
        this.#reading.delete(name);
      }
    })();
    this.#reading.set(name, reading);
  }

  #broadcast(event: string, json: string): void {
    for (const res of this.#subscribers) this.#write(res, event, json);
  }

  #write(res: ServerResponse, event: string, json: string): void {
    if (res.writableEnded || res.destroyed) return;
    res.write(`id: ${this.#nextId++}\nevent: ${event}\ndata: ${json}\n\n`);
  }
}
