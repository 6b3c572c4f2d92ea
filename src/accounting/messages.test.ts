import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { hasErrorCode } from '../errors/BaseError.ts';
import { decodePayment, encodePayment, TICK_MESSAGE_BYTES, VOUCHER_MESSAGE_BYTES } from './messages.ts';
import { signVoucher } from './voucher.ts';

test('ticks and vouchers round-trip', async () => {
  const preimage = randomBytes(32);
  const tick = decodePayment(encodePayment({ kind: 'tick', preimage }));
  assert.ok(tick.kind === 'tick' && tick.preimage.equals(preimage));
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
    fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      const valid =
        (bytes[0] === 1 && bytes.length === TICK_MESSAGE_BYTES) ||
        (bytes[0] === 2 && bytes.length === VOUCHER_MESSAGE_BYTES);
      if (valid) return;
      assert.throws(
        () => decodePayment(bytes),
        (e) => hasErrorCode(e, 'MESSAGE_MALFORMED'),
      );
    }),
  );
  assert.throws(
    () => decodePayment(new Uint8Array(0)),
    (e) => hasErrorCode(e, 'MESSAGE_MALFORMED'),
  );
});
