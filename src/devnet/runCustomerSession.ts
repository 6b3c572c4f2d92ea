/**
 * The devnet's customer model, one visit: a paid session through one provider, built with the client's
 * own path builder, shaped as `drawSessionShape` says (how long, how much each way — the distributions
 * the auditors' canary sessions are drawn from), carrying one HTTP download from an origin (`/bytes/<n>`,
 * the demo origin) whose request is padded to the shape's upload volume. The session lasts its duration
 * from the moment the visit began (building the path included, as a probe's does), then closes and
 * settles its payments. Resolves with the body bytes received.
 */
import type { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { downloadMoment, type SessionShape } from '../audit/sessionShape.ts';
import type { SignedOffer } from '../net/offer.ts';
import type { PathBuilder } from '../session/buildPath.ts';

/** A download not done by then is abandoned. */
const DOWNLOAD_TIMEOUT_MS = 30_000;

export async function runCustomerSession(
  builder: PathBuilder,
  offer: SignedOffer,
  origin: { host: string; port: number },
  shape: SessionShape,
): Promise<number> {
  const began = Date.now();
  const end = began + shape.durationMs;
  const path = await builder.build([offer]);
  try {
    await sleep(Math.max(0, downloadMoment(began, end, shape) - Date.now()));
    const stream = await path.session.openStream(origin);
    const received = await httpGet(stream, origin, shape);
    await sleep(Math.max(0, end - Date.now()));
    return received;
  } finally {
    path.session.close();
    await builder.settle(path);
  }
}

/** A GET of `/bytes/<downBytes>` padded to `upBytes`; resolves with what came back, headers included. */
function httpGet(stream: Duplex, origin: { host: string; port: number }, shape: SessionShape): Promise<number> {
  const head = `GET /bytes/${shape.downBytes} HTTP/1.1\r\nHost: ${origin.host}:${origin.port}\r\nConnection: close\r\n`;
  const padding = Math.max(0, shape.upBytes - head.length - '\r\nX-Padding: '.length - 4);
  const request = `${head}X-Padding: ${'x'.repeat(padding)}\r\n\r\n`;
  return new Promise<number>((resolve) => {
    let received = 0;
    const done = () => {
      clearTimeout(timer);
      stream.destroy();
      resolve(received);
    };
    const timer = setTimeout(done, DOWNLOAD_TIMEOUT_MS);
    stream.on('data', (chunk: Buffer) => {
      received += chunk.length;
    });
    stream.once('end', done);
    stream.once('close', done);
    stream.once('error', done);
    stream.write(request);
  });
}
