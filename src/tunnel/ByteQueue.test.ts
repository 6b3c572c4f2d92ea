import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { ByteQueue } from './ByteQueue.ts';

describe('ByteQueue', () => {
  it('take / takeTransient return exactly the bytes pushed, however they were chunked', () => {
    const data = randomBytes(10_000);
    for (const chunkSize of [1, 7, 100, 4096, 10_000]) {
      const queue = new ByteQueue();
      for (let i = 0; i < data.length; i += chunkSize) queue.push(data.subarray(i, i + chunkSize));
      const scratch = Buffer.alloc(2_000);
      const out: Buffer[] = [];
      let transient = false;
      while (queue.length > 0) {
        const n = Math.min(queue.length, 1 + (out.length % 1_999));
        assert.deepEqual(queue.peek(Math.min(3, n)), data.subarray(offsetOf(out), offsetOf(out) + Math.min(3, n)));
        // Copy transient results at once: they are only valid until the scratch is reused.
        out.push(transient ? Buffer.from(queue.takeTransient(n, scratch)) : queue.take(n));
        transient = !transient;
      }
      assert.deepEqual(Buffer.concat(out), data);
    }
  });

  it('takeTransient gathers a spanning read into the scratch buffer and returns a view otherwise', () => {
    const queue = new ByteQueue();
    const scratch = Buffer.alloc(16);
    queue.push(Buffer.from('abcdef'));
    queue.push(Buffer.from('ghij'));
    const inside = queue.takeTransient(2, scratch);
    assert.equal(inside.toString(), 'ab');
    assert.notEqual(inside.buffer, scratch.buffer);
    const spanning = queue.takeTransient(6, scratch);
    assert.equal(spanning.toString(), 'cdefgh');
    assert.equal(spanning.buffer, scratch.buffer);
    assert.equal(queue.length, 2);
    assert.equal(queue.take(2).toString(), 'ij');
  });
});

function offsetOf(chunks: Buffer[]): number {
  return chunks.reduce((n, c) => n + c.length, 0);
}
