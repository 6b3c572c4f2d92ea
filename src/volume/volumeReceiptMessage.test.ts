import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Hex } from 'viem';
import {
  decodeVolumeReceiptMessage,
  encodeVolumeReceiptMessage,
  VOLUME_RECEIPT_MESSAGE_BYTES,
  type VolumeReceiptMessage,
} from './volumeReceiptMessage.ts';

const message: VolumeReceiptMessage = {
  receipt: {
    channelId: `0x${'ab'.repeat(32)}`,
    epoch: 12n,
    bytes: 2n ** 64n - 1n,
    value: 10n ** 24n,
    signature: { R8x: 1n, R8y: 2n ** 250n, S: 3n },
  },
  key: { x: 4n, y: 5n },
  registrationSignature: `0x${'1b'.repeat(65)}` as Hex,
};

test('a volume receipt message round-trips and is strict about its size and ranges', () => {
  const bytes = encodeVolumeReceiptMessage(message);
  assert.equal(bytes.length, VOLUME_RECEIPT_MESSAGE_BYTES);
  assert.deepEqual(decodeVolumeReceiptMessage(bytes), message);
  assert.throws(() => decodeVolumeReceiptMessage(bytes.subarray(0, 305)), { code: 'VOLUME_OUT_OF_RANGE' });
  assert.throws(() => encodeVolumeReceiptMessage({ ...message, receipt: { ...message.receipt, bytes: 2n ** 64n } }), {
    code: 'VOLUME_OUT_OF_RANGE',
  });
});
