import assert from 'node:assert/strict';
import { test } from 'node:test';
import { shouldRedeem } from './redeemPolicy.ts';
import { retry } from './retry.ts';

const policy = { minRedeemWei: 100n, maxIntervalMs: 1_000 };

test('redeem when closing, when worth it, or when overdue; never for nothing', () => {
  assert.equal(shouldRedeem(policy, { unredeemedWei: 0n, closing: true, sinceLastRedeemMs: 5_000 }), false);
  assert.equal(shouldRedeem(policy, { unredeemedWei: 1n, closing: true, sinceLastRedeemMs: 0 }), true);
  assert.equal(shouldRedeem(policy, { unredeemedWei: 99n, closing: false, sinceLastRedeemMs: 999 }), false);
  assert.equal(shouldRedeem(policy, { unredeemedWei: 100n, closing: false, sinceLastRedeemMs: 0 }), true);
  assert.equal(shouldRedeem(policy, { unredeemedWei: 1n, closing: false, sinceLastRedeemMs: 1_000 }), true);
  // Worth less than 10× its gas: wait.
  assert.equal(
    shouldRedeem(policy, { unredeemedWei: 500n, closing: false, sinceLastRedeemMs: 0, gasCostWei: 51n }),
    false,
  );
  assert.equal(
    shouldRedeem(policy, { unredeemedWei: 510n, closing: false, sinceLastRedeemMs: 0, gasCostWei: 51n }),
    true,
  );
});

test('retry backs off and rethrows the last failure', async () => {
  let calls = 0;
  assert.equal(
    await retry(async () => (++calls < 3 ? Promise.reject(new Error('rpc down')) : 'ok'), { baseDelayMs: 1 }),
    'ok',
  );
  assert.equal(calls, 3);
  await assert.rejects(
    retry(() => Promise.reject(new Error('still down')), { attempts: 2, baseDelayMs: 1 }),
    /still down/,
  );
});
