/** The cover site as Node's HTTP server serves it: the page's answer has the size the wss server pads to; the video. */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import {
  COVER_MEDIA_PATH,
  COVER_MEDIA_SIZE,
  coverMedia,
  coverPageResponseLength,
  DEFAULT_COVER_PAGE,
  serveCoverSite,
} from './coverSite.ts';

/** The raw bytes of one keep-alive answer to `GET path` (head and `content-length` body). */
async function rawAnswer(port: number, path: string): Promise<Buffer> {
  const socket = connect({ host: '127.0.0.1', port });
  socket.write(`GET ${path} HTTP/1.1\r\nHost: notes.example\r\nConnection: keep-alive\r\n\r\n`);
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      const all = Buffer.concat(chunks);
      const end = all.indexOf('\r\n\r\n');
      const length = Number(/content-length: (\d+)/i.exec(all.subarray(0, Math.max(0, end)).toString())?.[1]);
      if (end >= 0 && all.length >= end + 4 + length) {
        socket.destroy();
        resolve(all);
      }
    });
    socket.once('error', reject);
  });
}

describe('cover site', () => {
  it("the page's answer to a keep-alive GET has exactly coverPageResponseLength bytes; the video its bytes", async () => {
    const server = createServer((request, response) => serveCoverSite(DEFAULT_COVER_PAGE, request, response));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      const page = await rawAnswer(port, '/');
      assert.equal(page.length, coverPageResponseLength(DEFAULT_COVER_PAGE));
      const video = await rawAnswer(port, COVER_MEDIA_PATH);
      const body = video.subarray(video.indexOf('\r\n\r\n') + 4);
      assert.equal(body.length, COVER_MEDIA_SIZE);
      assert.ok(body.equals(coverMedia()));
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
