/**
 * A probe session's customer-like traffic: one stream to the auditor's target in get mode
 * (`startAuditTarget.ts`), `upBytes` sent (the request: the mode byte, the length, filler the target
 * drops) and exactly `downBytes` received, like a customer's request and download. Resolves with the
 * bytes received (fewer when the provider drops or ends the stream, or `timeoutMs` passes); never throws;
 * the stream is always destroyed.
 */
import type { Duplex } from 'node:stream';
import type { OpenStream } from './sendCanary.ts';
import { MODE_GET } from './startAuditTarget.ts';

/** The request's fixed part: the mode byte and the 4-byte length. */
const HEADER_BYTES = 5;

export function downloadFromTarget(
  open: OpenStream,
  target: { host: string; port: number },
  { upBytes, downBytes, timeoutMs }: { upBytes: number; downBytes: number; timeoutMs: number },
): Promise<number> {
  return new Promise<number>((resolve) => {
    let stream: Duplex | undefined;
    let received = 0;
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      stream?.destroy();
      resolve(received);
    };
    const timer = setTimeout(finish, timeoutMs);
    open(target).then((opened) => {
      if (settled) {
        opened.on('error', () => {});
        opened.destroy();
        return;
      }
      stream = opened;
      opened.on('error', finish);
      opened.once('close', finish);
      opened.once('end', finish);
      opened.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received >= downBytes) finish();
      });
      opened.resume();
      const request = Buffer.alloc(Math.max(HEADER_BYTES, upBytes), 0x20);
      request[0] = MODE_GET;
      request.writeUInt32BE(downBytes, 1);
      opened.write(request);
    }, finish);
  });
}
