import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Unframed } from '../transport/WireFraming.ts';
import { ReceiveArea } from './ReceiveArea.ts';

/** Feeds `data` to the area in reads of `sizes` (cycled), as libuv would through `onread`. */
function feed(area: ReceiveArea, data: Buffer, sizes: number[]): void {
  let at = 0;
  for (let i = 0; at < data.length; i++) {
    const target = area.onread.buffer();
    const n = Math.min(sizes[i % sizes.length] as number, target.length, data.length - at);
    assert.ok(n > 0, 'the area always has room for the next read');
    data.copy(target, 0, at, at + n);
    at += n;
    area.onread.callback(n);
  }
}

describe('ReceiveArea', () => {
  it('hands over length-prefixed units whole, however the reads split them', () => {
    const units = Array.from({ length: 200 }, (_, i) => Buffer.alloc(1 + ((i * 7919) % 900), i & 0xff));
    const wire = Buffer.concat(units.map((u) => Buffer.concat([Buffer.of(u.length >> 8, u.length & 0xff), u])));
    for (const sizes of [[1], [3, 1000], [517], [4096], [100_000]]) {
      const area = new ReceiveArea(4 * 1024, 1024);
      const got: Buffer[] = [];
      area.attach((buffer, start, end) => {
        while (end - start >= 2) {
          const length = buffer.readUInt16BE(start);
          if (end - start < 2 + length) break;
          got.push(Buffer.from(buffer.subarray(start + 2, start + 2 + length)));
          start += 2 + length;
        }
        return start;
      });
      feed(area, wire, sizes);
      assert.equal(area.pending, 0);
      assert.deepEqual(got, units);
    }
  });

  it('undoes a framing in place between the reads and the consumer; a cut frame header waits for its rest', () => {
    const units = Array.from({ length: 120 }, (_, i) => Buffer.alloc(1 + ((i * 7919) % 900), i & 0xff));
    const stream = Buffer.concat(units.map((u) => Buffer.concat([Buffer.of(u.length >> 8, u.length & 0xff), u])));
    // A framing of its own, cut anywhere in the stream (a frame need not hold whole units): frames behind a
    // 3-byte header, the first byte 1 for the stream's bytes and 2 for padding that is dropped.
    const frames: Buffer[] = [];
    for (let at = 0, i = 0; at < stream.length; i++) {
      const n = 1 + ((i * 104_729) % 700);
      frames.push(Buffer.of(1, n >> 8, n & 0xff), stream.subarray(at, at + n));
      if (i % 5 === 0) frames.push(Buffer.of(2, 0, 7), Buffer.alloc(7, 0xee));
      at += n;
    }
    const wire = Buffer.concat(frames);
    for (const sizes of [[1], [3, 1000], [517], [4096]]) {
      const area = new ReceiveArea(4 * 1024, 1024);
      let left = 0;
      let padding = false;
      const unframe = (buffer: Buffer, start: number, end: number): Unframed => {
        let at = start;
        let w = start;
        while (at < end) {
          if (left > 0) {
            const take = Math.min(left, end - at);
            if (!padding) {
              buffer.copyWithin(w, at, at + take);
              w += take;
            }
            at += take;
            left -= take;
            continue;
          }
          if (end - at < 3) break;
          padding = buffer[at] === 2;
          left = buffer.readUInt16BE(at + 1);
          at += 3;
        }
        return { produced: w, consumed: at };
      };
      const got: Buffer[] = [];
      area.attach((buffer, start, end) => {
        while (end - start >= 2) {
          const length = buffer.readUInt16BE(start);
          if (end - start < 2 + length) break;
          got.push(Buffer.from(buffer.subarray(start + 2, start + 2 + length)));
          start += 2 + length;
        }
        return start;
      }, unframe);
      feed(area, wire, sizes);
      assert.equal(area.pending, 0);
      assert.deepEqual(got, units);
    }
  });

  it('keeps bytes that arrive before a consumer and pauses the socket until one attaches', () => {
    const area = new ReceiveArea(64, 16);
    const target = area.onread.buffer();
    target.write('hello');
    assert.equal(area.onread.callback(5), false);
    assert.equal(area.pending, 5);
    let seen = '';
    area.attach((buffer, start, end) => {
      seen += buffer.toString('utf8', start, end);
      return end;
    });
    assert.equal(seen, 'hello');
    assert.equal(area.pending, 0);
  });

  it('refuses an area smaller than two reserves', () => {
    assert.throws(() => new ReceiveArea(100, 60), RangeError);
  });
});
