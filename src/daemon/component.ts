/**
 * The one lifecycle every daemon part follows (js-libp2p's component model): a part is built from its
 * configuration and the parts it depends on, does no I/O until `start()`, and undoes it in `stop()`.
 * A daemon lists its parts in dependency order; `startAll` starts them in that order and, when one
 * fails, stops the ones already started (newest first) before rethrowing; `stopAll` stops them newest
 * first and keeps going when one fails, so a part that throws on stop never leaves the ones below it
 * (the libp2p node, the database) open. What failed is reported once, at the end, as one error.
 */
import { BaseError } from '../errors/BaseError.ts';

export type Component = {
  start(): Promise<void> | void;
  stop(): Promise<void> | void;
};

export class ComponentStopError extends BaseError<{ errors: unknown[] }> {
  override name = 'ComponentStopError';
}

/** A part that is running once built (a server already listening, an open database): only `stop`. */
export function running(stop: () => Promise<void> | void): Component {
  return { start: () => {}, stop };
}

/**
 * Starts `components` in order. If one fails, those already started are stopped in reverse order and
 * the start error is rethrown; a failure while stopping them is attached to it as `suppressed`.
 */
export async function startAll(components: readonly Component[]): Promise<void> {
  const started: Component[] = [];
  for (const component of components) {
    try {
      await component.start();
    } catch (error) {
      try {
        await stopAll(started);
      } catch (stopError) {
        Object.assign(error as object, { suppressed: stopError });
      }
      throw error;
    }
    started.push(component);
  }
}

/**
 * Stops `components` in reverse order, every one of them even when some fail; then throws a
 * `ComponentStopError` holding every failure (the first as its `cause`), if there was any.
 */
export async function stopAll(components: readonly Component[]): Promise<void> {
  const errors: unknown[] = [];
  for (const component of [...components].reverse()) {
    try {
      await component.stop();
    } catch (error) {
      errors.push(error);
    }
  }
  if (errors.length > 0) {
    throw new ComponentStopError(`${errors.length} part${errors.length === 1 ? '' : 's'} failed to stop`, {
      code: 'COMPONENT_STOP_FAILED',
      details: errors.map((e) => (e instanceof Error ? e.message : String(e))).join('; '),
      meta: { errors },
      cause: errors[0],
    });
  }
}

/**
 * The parts of a daemon as it builds them, each started as soon as it is built (the next one may
 * need it running): `stop()` stops every part started so far, newest first (`stopAll`). A daemon
 * whose start fails midway calls `stop()` before rethrowing, so nothing it opened is left behind.
 */
export class ComponentStack implements Component {
  readonly #started: Component[] = [];

  /** Starts `part` and keeps it for `stop`. */
  async add<T extends Component>(part: T): Promise<T> {
    await part.start();
    this.#started.push(part);
    return part;
  }

  /** Keeps something already running (a listening server, an open database); `stop` undoes it. */
  running<T>(value: T, stop: (value: T) => Promise<void> | void): T {
    this.#started.push(running(() => stop(value)));
    return value;
  }

  start(): void {}

  stop(): Promise<void> {
    return stopAll(this.#started.splice(0));
  }
}
