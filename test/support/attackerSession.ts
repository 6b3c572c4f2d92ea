/**
 * What a misbehaving client does inside a session, on the real tunnel: send any payment message it
 * likes, read what arrives until the provider stops sending, upload with or without respecting the
 * session window. Used by the adversarial suite (`test/e2e/adversarial/`).
 */
import { once } from 'node:events';
import type { Hex, LocalAccount } from 'viem';
import { encodePayment } from '../../src/accounting/messages.ts';
import { type ChannelsDomain, NO_TICKS, signVoucher } from '../../src/accounting/voucher.ts';
import { FrameType } from '../../src/tunnel/constants.ts';
import type { MuxSession } from '../../src/tunnel/MuxSession.ts';
import type { MuxStream } from '../../src/tunnel/MuxStream.ts';
import { encodeFrameHeader, encodeOpen } from '../../src/tunnel/muxFrame.ts';
import { TICK_VALUE } from './adversary.ts';

/** Sends a voucher for `amount` signed by `signer` (anchored nowhere unless `anchor`). */
export async function sendVoucher(
  session: MuxSession,
  signer: LocalAccount,
  domain: ChannelsDomain,
  channelId: Hex,
  amount: bigint,
  anchor: Hex = NO_TICKS,
): Promise<void> {
  const signed = await signVoucher(signer, domain, { channelId, amount, tickAnchor: anchor, tickValue: TICK_VALUE });
  session.sendPayment(encodePayment({ kind: 'voucher', signed }));
}

/**
 * Reads `stream` until nothing arrived for `quietMs` (the provider paused it), it ended, or `limit`
 * bytes came; returns how many came.
 */
export async function readUntilQuiet(
  stream: MuxStream,
  quietMs = 500,
  limit = Number.POSITIVE_INFINITY,
): Promise<number> {
  let got = 0;
  return new Promise((resolve) => {
    let timer = setTimeout(done, quietMs);
    function done() {
      stream.off('data', onData);
      stream.pause();
      resolve(got);
    }
    const onData = (chunk: Buffer) => {
      got += chunk.length;
      clearTimeout(timer);
      if (got >= limit) done();
      else timer = setTimeout(done, quietMs);
    };
    stream.on('data', onData);
    stream.once('close', () => {
      clearTimeout(timer);
      done();
    });
  });
}

/** Writes into `stream` (respecting its windows) until it stops taking bytes for `quietMs`; returns bytes taken. */
export async function writeUntilBlocked(stream: MuxStream, quietMs = 500, limit = 256 * 1024 * 1024): Promise<number> {
  const chunk = Buffer.alloc(64 * 1024, 0x41);
  let written = 0;
  while (written < limit && !stream.destroyed) {
    if (stream.write(chunk)) {
      written += chunk.length;
      continue;
    }
    written += chunk.length;
    const drained = await Promise.race([
      once(stream, 'drain').then(() => true),
      once(stream, 'close').then(() => false),
      new Promise<boolean>((r) => setTimeout(() => r(false), quietMs)),
    ]);
    if (!drained) break;
  }
  return written;
}

/**
 * Opens stream `id` to `port` on 127.0.0.1 and pushes `bytes` of DATA behind it as raw frames, ignoring
 * every window (what a client that does not follow the protocol can put on the wire).
 */
export function rawOpenAndPush(session: MuxSession, id: number, port: number, bytes: number): void {
  session.channel.send([encodeFrameHeader(FrameType.open, id), encodeOpen(1, { host: '127.0.0.1', port })]);
  const chunk = Buffer.alloc(64 * 1024, 0x42);
  for (let sent = 0; sent < bytes && !session.closed; sent += chunk.length)
    session.channel.send([encodeFrameHeader(FrameType.data, id), chunk]);
}

/** Resolves with the session's close error (undefined for a clean close), or 'open' after `ms`. */
export function closedWithin(session: MuxSession, ms: number): Promise<Error | undefined | 'open'> {
  if (session.closed) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('open'), ms);
    session.once('close', (error) => {
      clearTimeout(timer);
      resolve(error);
    });
  });
}
