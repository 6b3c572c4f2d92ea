/**
 * Both state machines talking through a lossy, reordering channel. Whatever the sequence of
 * deliveries, payments, losses and reorderings: the payer never pays for more than it received plus
 * the credit window, and the payee never serves more than it was paid plus the credit window.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { payDelivered } from '../../test/support/payments.ts';
import { hasErrorCode } from '../errors/BaseError.ts';
import { GIB, TICK_BYTES } from './constants.ts';
import { PayeeChannel } from './PayeeChannel.ts';
import { PayerChannel, type PaymentMessage } from './PayerChannel.ts';

const account = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d');
const domain = { chainId: 31337, channels: '0x5FbDB2315678afecb367f032d93F642f64180aa3' as const };
const channelId = `0x${'11'.repeat(32)}` as Hex;
const CREDIT = 4 * TICK_BYTES;
const PRICE = BigInt(GIB); // 1 wei per byte: tick value = 65,536 wei

/** A payer and its payee on one channel of `deposit` wei (payee options overridable). */
function channelPair(
  deposit = 10n ** 12n,
  payeeOptions: Partial<ConstructorParameters<typeof PayeeChannel>[0]> = {},
): { payer: PayerChannel; payee: PayeeChannel } {
  const payer = new PayerChannel({ account, domain, channelId, deposit, alreadyPromised: 0n, priceWeiPerGiB: PRICE });
  const payee = new PayeeChannel({
    domain,
    channelId,
    payer: account.address,
    deposit,
    priceWeiPerGiB: PRICE,
    creditBytes: CREDIT,
    ...payeeOptions,
  });
  return { payer, payee };
}

const action = fc.oneof(
  fc.record({ kind: fc.constant('serve' as const), bytes: fc.integer({ min: 1, max: 3 * TICK_BYTES }) }),
  fc.record({ kind: fc.constant('deliverData' as const), bytes: fc.integer({ min: 1, max: 3 * TICK_BYTES }) }),
  fc.record({ kind: fc.constant('deliverPayment' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('dropPayment' as const), pick: fc.nat() }),
);

for (const batch of [undefined, 1, 3, 7])
  test(`payer never pays beyond delivered + credit; payee never serves beyond paid + credit (${batch ? `batches of ≤ ${batch}` : 'one message per tick'})`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(action, { maxLength: 60 }),
        fc.bigInt({ min: 10n ** 6n, max: 10n ** 8n }),
        async (actions, deposit) => {
          const payer = new PayerChannel({
            account,
            domain,
            channelId,
            deposit,
            alreadyPromised: 0n,
            priceWeiPerGiB: PRICE,
            chainLength: 24,
            ticksPerVoucher: 6,
          });
          const payee = new PayeeChannel({
            domain,
            channelId,
            payer: account.address,
            deposit,
            priceWeiPerGiB: PRICE,
            creditBytes: CREDIT,
          });
          payee.acceptVoucherSync(await payer.open());
          payee.markDurable(payee.value);
          let inFlightData = 0;
          const inFlightPayments: PaymentMessage[] = [];

          for (const a of actions) {
            if (a.kind === 'serve') {
              if (payee.canServe(a.bytes)) {
                payee.served(a.bytes);
                inFlightData += a.bytes;
              }
            } else if (a.kind === 'deliverData') {
              const bytes = Math.min(a.bytes, inFlightData);
              inFlightData -= bytes;
              try {
                inFlightPayments.push(...(await payDelivered(payer, bytes, batch)));
              } catch {
                // Over the deposit: the payer stops paying; the payee's credit window bounds its loss.
              }
            } else if (inFlightPayments.length > 0) {
              const [payment] = inFlightPayments.splice(a.pick % inFlightPayments.length, 1);
              if (a.kind === 'deliverPayment' && payment) {
                try {
                  if (payment.kind === 'tick') payee.acceptTick(payment.preimage);
                  else if (payment.kind === 'ticks') payee.acceptTicks(payment.preimage, payment.count);
                  else payee.acceptVoucherSync(payment.signed);
                } catch {
                  // Out of order, replayed or stale: rejected, state unchanged.
                }
              }
            }
            assert.ok(payer.bytesPaid <= payer.bytesDelivered + CREDIT, 'payer pays at most delivered + credit');
            assert.ok(payee.bytesServed <= payee.bytesPaid + CREDIT, 'payee serves at most paid + credit');
            assert.ok(payee.value <= payer.promised, 'payee never holds more than the payer promised');
            assert.ok(payee.value <= deposit);
          }
        },
      ),
      { numRuns: 40 },
    );
  });

test('credit extends only over payment the provider has made durable', async () => {
  const { payer, payee } = channelPair();
  payee.acceptVoucherSync(await payer.open());
  payee.served(CREDIT);
  assert.equal(payee.canServe(1), false, 'the credit window is used up');
  for (const p of await payDelivered(payer, CREDIT)) if (p.kind === 'tick') payee.acceptTick(p.preimage);
  assert.equal(payee.needsPersist, true);
  assert.equal(payee.canServe(1), false, 'paid, but not yet durable');
  payee.markDurable(payee.value);
  assert.equal(payee.canServe(CREDIT), true);
  assert.equal(payee.canServe(CREDIT + 1), false);
});

test('a paused session with no payment for the unpaid timeout is stalled', async () => {
  let now = 0;
  const { payer, payee } = channelPair(10n ** 12n, { unpaidTimeoutMs: 1_000, now: () => now });
  payee.acceptVoucherSync(await payer.open());
  payee.markDurable(payee.value);
  now = 5_000;
  assert.equal(payee.isStalled(), false, 'not paused: an idle session is not stalled');
  payee.served(CREDIT);
  assert.equal(payee.isStalled(), false, 'idle, then the whole credit at once: the clock starts now');
  now = 6_001;
  assert.equal(payee.isStalled(), true, 'paused and unpaid for longer than the timeout');
  for (const p of await payDelivered(payer, TICK_BYTES)) if (p.kind === 'tick') payee.acceptTick(p.preimage);
  payee.markDurable(payee.value);
  now = 6_500;
  assert.equal(payee.isStalled(), false, 'a payment restarts the clock');
});

test('the payer stops at its budget and at the deposit, with typed errors', async () => {
  const tick = 65_536n; // tick value at 1 wei per byte
  const budgeted = new PayerChannel({
    account,
    domain,
    channelId,
    deposit: 10n * tick,
    alreadyPromised: 0n,
    priceWeiPerGiB: PRICE,
    budgetWei: 3n * tick,
  });
  assert.equal((await payDelivered(budgeted, 4 * TICK_BYTES)).length, 3, 'pays what the budget allows');
  assert.ok(hasErrorCode(budgeted.blocked, 'PAYER_OVER_BUDGET'));
  assert.equal(budgeted.promised, 3n * tick);
  const capped = new PayerChannel({
    account,
    domain,
    channelId,
    deposit: 2n * tick,
    alreadyPromised: 0n,
    priceWeiPerGiB: PRICE,
  });
  assert.equal((await payDelivered(capped, 3 * TICK_BYTES)).length, 2);
  assert.ok(hasErrorCode(capped.blocked, 'PAYER_OVER_DEPOSIT'));
  capped.toppedUp(5n * tick);
  assert.equal((await payDelivered(capped, 0)).length, 1, 'after a top-up the owed tick is paid');
  assert.equal(capped.blocked, undefined);
});

test('batched ticks pay exactly what single ticks pay, across checkpoints and chain renewals', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.integer({ min: 0, max: 9 * TICK_BYTES }), { maxLength: 25 }),
      fc.integer({ min: 1, max: 9 }),
      async (deliveries, batch) => {
        const make = () =>
          new PayerChannel({
            account,
            domain,
            channelId,
            deposit: 10n ** 12n,
            alreadyPromised: 0n,
            priceWeiPerGiB: PRICE,
            chainLength: 12,
            ticksPerVoucher: 6,
          });
        const single = make();
        const batched = make();
        const payee = new PayeeChannel({
          domain,
          channelId,
          payer: account.address,
          deposit: 10n ** 12n,
          priceWeiPerGiB: PRICE,
          creditBytes: CREDIT,
        });
        payee.acceptVoucherSync(await batched.open());
        let messages = 0;
        let ticks = 0;
        for (const bytes of deliveries) {
          await payDelivered(single, bytes);
          for (const p of await payDelivered(batched, bytes, batch)) {
            messages++;
            if (p.kind === 'ticks') {
              assert.ok(p.count <= batch);
              ticks += p.count;
              payee.acceptTicks(p.preimage, p.count);
            } else if (p.kind === 'voucher') payee.acceptVoucherSync(p.signed);
          }
          assert.equal(batched.promised, single.promised);
          assert.equal(batched.bytesPaid, single.bytesPaid);
          assert.equal(payee.value, batched.promised, 'in order, the payee holds everything promised');
          assert.ok(
            payee.claim && payee.claim.ticks <= 6,
            'a claim never needs more hashes than a checkpoint interval',
          );
        }
        assert.ok(messages >= Math.ceil(ticks / batch), 'no message pays more than a batch');
      },
    ),
    { numRuns: 30 },
  );
});

test('a ticks message for the wrong count, a replay or a forgery is refused and changes nothing', async () => {
  const { payer, payee } = channelPair();
  assert.throws(
    () => payee.acceptTicks(Buffer.alloc(32), 1),
    (e) => hasErrorCode(e, 'TICK_MISMATCH'),
    'ticks before any voucher',
  );
  payee.acceptVoucherSync(await payer.open());
  payer.addDelivered(5 * TICK_BYTES);
  const five = payer.takeTicks(16);
  assert.ok(five && five.count === 5);
  for (const count of [4, 6])
    assert.throws(
      () => payee.acceptTicks(five.preimage, count),
      (e) => hasErrorCode(e, 'TICK_MISMATCH'),
    );
  assert.throws(
    () => payee.acceptTicks(five.preimage, 0),
    (e) => hasErrorCode(e, 'MESSAGE_MALFORMED'),
  );
  assert.equal(payee.value, 0n);
  payee.acceptTicks(five.preimage, 5);
  assert.equal(payee.value, 5n * payer.tickValue);
  assert.throws(
    () => payee.acceptTicks(five.preimage, 5),
    (e) => hasErrorCode(e, 'TICK_MISMATCH'),
    'a replay',
  );
  assert.throws(
    () => payee.acceptTicks(Buffer.alloc(32, 7), 1),
    (e) => hasErrorCode(e, 'TICK_MISMATCH'),
    'a forgery',
  );
  assert.equal(payee.value, 5n * payer.tickValue);
});

test('batched ticks stop at the deposit and say so', async () => {
  const payer = new PayerChannel({
    account,
    domain,
    channelId,
    deposit: 65_536n * 3n,
    alreadyPromised: 0n,
    priceWeiPerGiB: PRICE,
  });
  payer.addDelivered(5 * TICK_BYTES);
  const paid = payer.takeTicks(16);
  assert.equal(paid?.count, 3);
  assert.ok(hasErrorCode(payer.blocked, 'PAYER_OVER_DEPOSIT'));
  assert.equal(payer.takeTicks(16), undefined);
  assert.ok(hasErrorCode(payer.blocked, 'PAYER_OVER_DEPOSIT'));
  payer.toppedUp(65_536n * 10n);
  assert.equal(payer.takeTicks(16)?.count, 2);
  assert.equal(payer.blocked, undefined);
});
