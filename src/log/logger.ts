/**
 * Logging for every Bandex process: pino, JSON lines on stderr (stdout is reserved
 * for machine-readable output such as `devnet --json`), pretty-printed when stderr
 * is a terminal. Modules receive a child logger; nothing logs traffic content or
 * destinations.
 */
import { type Logger, pino } from 'pino';

export type { Logger };

export type CreateLoggerParameters = {
  name?: string;
  /** `LOG_LEVEL` overrides; defaults to `info`. */
  level?: string;
  /** Force pretty output on or off; by default pretty when stderr is a TTY. */
  pretty?: boolean;
  /** Write JSON lines to this file instead of stderr (each devnet daemon keeps its own log). */
  file?: string;
};

export function createLogger({ name = 'bandex', level, pretty, file }: CreateLoggerParameters = {}): Logger {
  const resolvedLevel = level ?? process.env.LOG_LEVEL ?? 'info';
  if (file) return pino({ name, level: resolvedLevel }, pino.destination({ dest: file, mkdir: true, sync: true }));
  if (pretty ?? process.stderr.isTTY) {
    return pino({
      name,
      level: resolvedLevel,
      transport: { target: 'pino-pretty', options: { destination: 2, colorize: true, ignore: 'pid,hostname' } },
    });
  }
  return pino({ name, level: resolvedLevel }, pino.destination(2));
}

/** A logger that drops everything (library default when the caller passes none). */
export const silentLogger: Logger = pino({ level: 'silent' });
