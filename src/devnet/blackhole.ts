/**
 * The devnet's `blackhole` fault (`bandex devnet --faulty blackhole`): once a provider's sessions have
 * carried `afterBytes`, every session — open or new — stops being read and written (its traffic is
 * dropped), while sessions are still accepted. Passed to the provider as its `onSession` tap; never part
 * of a real provider.
 */
import type { Socket } from 'node:net';
import type { Logger } from '../log/logger.ts';
import type { MuxSession } from '../tunnel/MuxSession.ts';

/** How often the byte count is checked. */
const CHECK_MS = 100;

export function createBlackhole(afterBytes: number, logger: Logger): (session: MuxSession) => void {
  const sessions = new Set<MuxSession>();
  let carried = 0;
  let active = false;
  const swallow = (session: MuxSession) => {
    const socket = session.channel.transport as Socket;
    socket.pause();
    socket.cork();
  };
  const timer = setInterval(() => {
    let bytes = carried;
    for (const s of sessions) bytes += s.meter.sent + s.meter.received;
    if (bytes < afterBytes) return;
    active = true;
    clearInterval(timer);
    logger.warn({ after: bytes }, 'devnet fault: black hole from now on');
    for (const s of sessions) swallow(s);
  }, CHECK_MS);
  timer.unref();
  return (session) => {
    if (active) {
      swallow(session);
      return;
    }
    sessions.add(session);
    session.once('close', () => {
      sessions.delete(session);
      carried += session.meter.sent + session.meter.received;
    });
  };
}
