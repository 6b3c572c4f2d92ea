/**
 * One canary probe: a stream to the auditor's own target (`startAuditTarget.ts`) in echo mode, a random
 * 16-byte nonce, and the time until exactly that nonce came back. A provider that drops, delays past
 * the timeout, or alters traffic yields `delivered: false`. Never throws; the stream is always destroyed.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import { MODE_ECHO } from './startAuditTarget.ts';

/** Opens a stream to `destination` through whatever is being audited (a tunnel, a SOCKS5 front, or none). */
export type OpenStream = (destination: { host: string; port: number }) => Promise<Duplex>;

export type CanaryResult = {
  delivered: boolean;
  /**
   * Microseconds from writing the probe to the last nonce byte echoed (the stream's opening is not
   * included: with an early/optimistic open it costs nothing, and the echo crosses the path anyway). 0
   * when not delivered.
   */
  rttMicros: number;
};

export const NONCE_BYTES = 16;

export function sendCanary(
  open: OpenStream,
  target: { host: string; port: number },
  { timeoutMs }: { timeoutMs: number },
): Promise<CanaryResult> {
  const nonce = randomBytes(NONCE_BYTES);
  return new Promise<CanaryResult>((resolve) => {
    let stream: Duplex | undefined;
    let settled = false;
    const finish = (result: CanaryResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      stream?.destroy();
      resolve(result);
    };
    const lost = () => finish({ delivered: false, rttMicros: 0 });
    const timer = setTimeout(lost, timeoutMs);

    let opening: Promise<Duplex>;
    try {
      opening = open(target);
    } catch {
      lost();
      return;
    }
    opening.then((opened) => {
      if (settled) {
        opened.on('error', () => {});
        opened.destroy();
        return;
      }
      stream = opened;
      const received: Buffer[] = [];
      let length = 0;
      opened.on('error', lost);
      opened.once('close', lost);
      opened.once('end', lost);
      const sentAt = performance.now();
      opened.on('data', (chunk: Buffer) => {
        received.push(chunk);
        length += chunk.length;
        if (length < NONCE_BYTES) return;
        const echoed = length === NONCE_BYTES && Buffer.concat(received).equals(nonce);
        finish({
          delivered: echoed,
          rttMicros: echoed ? Math.max(1, Math.round((performance.now() - sentAt) * 1000)) : 0,
        });
      });
      opened.resume(); // 'data' alone does not restart a stream someone paused
      opened.write(Buffer.concat([Buffer.of(MODE_ECHO), nonce]));
    }, lost);
  });
}
