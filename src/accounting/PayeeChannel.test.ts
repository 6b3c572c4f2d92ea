/**
 * The payee's one ledger per channel (issue 14): credit belongs to the channel, so sessions that follow
 * one another share one credit window, an opening voucher must reach the floor, and only a payment that
 * raises the claim resets the unpaid timer.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Hex, parseUnits } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { hasErrorCode } from '../errors/BaseError.ts';
import { TICK_BYTES } from './constants.ts';
import { PayeeChannel } from './PayeeChannel.ts';
import { NO_TICKS, signVoucher } from './voucher.ts';

const payer = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d');
const domain = { chainId: 31337, channels: '0x5FbDB2315678afecb367f032d93F642f64180aa3' as const };
const channelId = `0x${'22'.repeat(32)}` as Hex;
const CREDIT = 4 * TICK_BYTES;

function ledger(now = () => 0, restored?: { servedBytes: number; claimValue: bigint }) {
  return new PayeeChannel({
    domain,
    channelId,
    payer: payer.address,
    deposit: parseUnits('100', 18),
    priceWeiPerGiB: parseUnits('100', 18),
    creditBytes: CREDIT,
    unpaidTimeoutMs: 1_000,
    restored,
    now,
  });
}
const voucher = (l: PayeeChannel, amount: bigint) =>
  signVoucher(payer, domain, { channelId, amount, tickAnchor: NO_TICKS, tickValue: l.tickValue });

describe('PayeeChannel: one ledger per channel', () => {
  it('nothing is served before an opening voucher', () => {
    assert.equal(ledger().canServe(1), false);
  });

  it('sessions share one credit window: a reopening at 0 gets nothing more', async () => {
    const l = ledger();
    l.acceptVoucherSync(await voucher(l, 0n));
    assert.ok(l.canServe(CREDIT));
    l.served(CREDIT);
    assert.equal(l.canServe(1), false);
    l.closeSession();
    const stale = await voucher(l, 0n);
    assert.throws(
      () => l.acceptVoucherSync(stale),
      (e) => hasErrorCode(e, 'VOUCHER_TOO_LOW'),
    );
    assert.equal(l.openingFloor, 4n * l.tickValue, 'the floor is what was served, in whole ticks');
    l.acceptVoucherSync(await voucher(l, l.openingFloor));
    l.markDurable(l.value);
    assert.ok(l.canServe(CREDIT) && !l.canServe(CREDIT + 1), 'paying the floor buys the next window, no more');
  });

  it('ticks after the session closed are refused', async () => {
    const l = ledger();
    l.acceptVoucherSync(await voucher(l, 0n));
    l.closeSession();
    assert.throws(
      () => l.acceptTick(Buffer.alloc(32)),
      (e) => hasErrorCode(e, 'TICK_MISMATCH'),
    );
  });

  it('only a payment that raises the claim resets the unpaid timer', async () => {
    let now = 0;
    const l = ledger(() => now);
    l.acceptVoucherSync(await voucher(l, 0n));
    l.served(CREDIT);
    now = 1_500;
    l.acceptVoucherSync(await voucher(l, 0n)); // same amount, re-anchored: not a payment
    assert.ok(l.isStalled(TICK_BYTES));
    l.acceptVoucherSync(await voucher(l, l.tickValue));
    assert.equal(l.isStalled(TICK_BYTES), false);
  });

  it('a closing channel extends no credit and accepts no voucher', async () => {
    const l = ledger();
    l.acceptVoucherSync(await voucher(l, 0n));
    l.markClosing();
    assert.equal(l.canServe(1), false);
    const next = await voucher(l, l.tickValue);
    assert.throws(
      () => l.acceptVoucherSync(next),
      (e) => hasErrorCode(e, 'CHANNEL_CLOSING'),
    );
  });

  it('restored from the store: the floor is the stored claim and the served bytes', async () => {
    const l = ledger(() => 0, { servedBytes: 10 * TICK_BYTES, claimValue: 0n });
    assert.equal(l.openingFloor, 10n * l.tickValue);
    l.raiseFloor(12n * l.tickValue);
    assert.equal(l.openingFloor, 12n * l.tickValue, 'what was redeemed on chain counts too');
  });

  it('an opening voucher acknowledges what it pays for as served', async () => {
    const l = ledger();
    l.acceptVoucherSync(await voucher(l, 20n * l.tickValue));
    assert.equal(l.bytesServed, 20 * TICK_BYTES);
  });
});
