/**
 * Reads one `\n`-ended line (UTF-8) from a stream, at most `maxBytes` before the newline, within
 * `timeoutMs`; anything after the line is left unread. A longer line, an early end or the timeout is a
 * `VPN_HANDSHAKE` error (nothing is buffered beyond the bound).
 */
import type { Duplex } from 'node:stream';
import { VpnError } from './VpnError.ts';

export function readLine(stream: Duplex, maxBytes: number, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const done = (error?: VpnError, text?: string) => {
      clearTimeout(timer);
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onEnd);
      stream.off('close', onEnd);
      if (error) reject(error);
      else resolve(text as string);
    };
    const fail = (details: string) => new VpnError('VPN handshake failed', { code: 'VPN_HANDSHAKE', details });
    const onData = (chunk: Buffer) => {
      const newline = chunk.indexOf(10);
      const take = newline < 0 ? chunk : chunk.subarray(0, newline);
      chunks.push(take);
      length += take.length;
      if (length > maxBytes) return done(fail(`line longer than ${maxBytes} bytes`));
      if (newline < 0) return;
      stream.pause();
      if (newline + 1 < chunk.length) stream.unshift(chunk.subarray(newline + 1));
      done(undefined, Buffer.concat(chunks).toString('utf8'));
    };
    const onEnd = () => done(fail('the stream ended before a full line'));
    const timer = setTimeout(() => done(fail(`no line within ${timeoutMs} ms`)), timeoutMs);
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.once('error', onEnd);
    stream.once('close', onEnd);
  });
}
