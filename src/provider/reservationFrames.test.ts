import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeConnectFrame, encodePunchFrame, ListenFrameReader } from './reservationFrames.ts';

describe('listen stream frames', () => {
  const id = Buffer.from('0102030405060708', 'hex');

  it('reads frames however the stream splits them', () => {
    const wire = Buffer.concat([
      encodeConnectFrame(id),
      encodePunchFrame(id, '203.0.113.9', 40_001),
      encodeConnectFrame(id),
    ]);
    const expected = [
      { type: 'connect', id: '0102030405060708' },
      { type: 'punch', id: '0102030405060708', host: '203.0.113.9', port: 40_001 },
      { type: 'connect', id: '0102030405060708' },
    ];
    for (const size of [1, 3, 9, wire.length]) {
      const reader = new ListenFrameReader();
      const got = [];
      for (let i = 0; i < wire.length; i += size) got.push(...(reader.push(wire.subarray(i, i + size)) ?? []));
      assert.deepEqual(got, expected, `chunks of ${size}`);
    }
  });

  it('an unknown frame type is a broken relay', () => {
    assert.equal(new ListenFrameReader().push(Buffer.concat([Buffer.from([9]), id])), undefined);
  });
});
