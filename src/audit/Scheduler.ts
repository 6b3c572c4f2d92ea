/**
 * The auditor's clock: runs steps at given Unix-ms moments (`at`) and lets a step wait for one
 * (`sleepUntil`). A step that throws is logged, not fatal: one failed measurement or publication does
 * not stop the epoch loop. `stop()` cancels everything pending; a `sleepUntil` pending then never
 * resolves, so a step in progress goes no further.
 */
import type { Component } from '../daemon/component.ts';
import type { Logger } from '../log/logger.ts';

export class Scheduler implements Component {
  readonly #logger: Logger;
  readonly #timers = new Set<NodeJS.Timeout>();
  #stopped = false;

  constructor({ logger }: { logger: Logger }) {
    this.#logger = logger;
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  /** Runs `run` at `when` (Unix ms; at once if past), unless stopped by then. */
  at(when: number, run: () => void | Promise<void>): void {
    const timer = setTimeout(
      () => {
        this.#timers.delete(timer);
        if (this.#stopped) return;
        Promise.resolve(run()).catch((error: unknown) => this.#logger.warn({ err: error }, 'audit step failed'));
      },
      Math.max(0, when - Date.now()),
    );
    this.#timers.add(timer);
  }

  /** Resolves at `when`; never, if stopped first. */
  sleepUntil(when: number): Promise<void> {
    return new Promise<void>((resolve) => {
      this.at(when, resolve);
    });
  }

  start(): void {}

  stop(): void {
    this.#stopped = true;
    for (const timer of this.#timers) clearTimeout(timer);
  }
}
