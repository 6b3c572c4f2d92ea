import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { hasErrorCode } from '../errors/BaseError.ts';
import { MAX_TICKS_PER_MESSAGE } from './constants.ts';
import {
  decodePayment,
  decodePaymentMessage,
  encodePayment,
  TICK_MESSAGE_BYTES,
  TICKS_MESSAGE_BYTES,
  VOUCHER_MESSAGE_BYTES,
} from './messages.ts';
import { signVoucher } from './voucher.ts';

test('ticks and vouchers round-trip', async () => {
  const preimage = randomBytes(32);
  const tick = decodePayment(encodePayment({ kind: 'tick', preimage }));
  assert.ok(tick.kind === 'tick' && tick.preimage.equals(preimage));
  for (const count of [1, 16, MAX_TICKS_PER_MESSAGE]) {
    const bytes = encodePayment({ kind: 'ticks', preimage, count });
    assert.equal(bytes.length, TICKS_MESSAGE_BYTES);
    assert.deepEqual(decodePaymentMessage(bytes), { kind: 'ticks', preimage, count });
    assert.throws(
      () => decodePayment(bytes),
      (e) => hasErrorCode(e, 'MESSAGE_MALFORMED'),
      'the single-tick decoder refuses batches',
    );
  }
  for (const count of [0, MAX_TICKS_PER_MESSAGE + 1, 2.5])
    assert.throws(
      () => encodePayment({ kind: 'ticks', preimage, count }),
      (e) => hasErrorCode(e, 'MESSAGE_MALFORMED'),
    );
  const account = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d');
  const signed = await signVoucher(
    account,
    { chainId: 1, channels: '0x5FbDB2315678afecb367f032d93F642f64180aa3' },
    {
      channelId: `0x${'ab'.repeat(32)}` as Hex,
      amount: 2n ** 200n + 7n,
      tickAnchor: `0x${'cd'.repeat(32)}` as Hex,
      tickValue: 61_035_156_250_000n,
    },
  );
  const bytes = encodePayment({ kind: 'voucher', signed });
  assert.equal(bytes.length, VOUCHER_MESSAGE_BYTES);
  assert.deepEqual(decodePayment(bytes), { kind: 'voucher', signed });
});

test('truncated, extended, unknown or random input is a typed error, never a crash', () => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.uint8Array({ maxLength: 300 }),
        fc.uint8Array({ minLength: 35, maxLength: 35 }).map((b) => {
          b[0] = 3;
          return b;
        }),
      ),
      (bytes) => {
        const count = ((bytes[1] ?? 0) << 8) | (bytes[2] ?? 0);
        const valid =
          (bytes[0] === 1 && bytes.length === TICK_MESSAGE_BYTES) ||
          (bytes[0] === 2 && bytes.length === VOUCHER_MESSAGE_BYTES) ||
          (bytes[0] === 3 && bytes.length === TICKS_MESSAGE_BYTES && count >= 1 && count <= MAX_TICKS_PER_MESSAGE);
        if (valid) return;
        assert.throws(
          () => decodePaymentMessage(bytes),
          (e) => hasErrorCode(e, 'MESSAGE_MALFORMED'),
        );
      },
    ),
  );
  assert.throws(
    () => decodePaymentMessage(new Uint8Array(0)),
    (e) => hasErrorCode(e, 'MESSAGE_MALFORMED'),
  );
});
