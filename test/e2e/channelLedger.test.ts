/**
 * Differential test: random sequences of channel operations applied to the TypeScript ledger
 * (`src/accounting/channelLedger.ts`) and to PaymentChannels on the embedded chain end with the same
 * balances, the same channel state, and the same reverts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import {
  ContractFunctionRevertedError,
  createTestClient,
  type Hex,
  http,
  maxUint256,
  sha256,
  BaseError as ViemBaseError,
} from 'viem';
import * as ledger from '../../src/accounting/channelLedger.ts';
import { signCloseChannel } from '../../src/accounting/closeChannel.ts';
import { NO_TICKS, signVoucher } from '../../src/accounting/voucher.ts';
import { bandwidthTokenAbi } from '../../src/chain/abi/bandwidthToken.ts';
import { paymentChannelsAbi } from '../../src/chain/abi/paymentChannels.ts';
import { buyRbt } from '../../src/chain/actions/buyRbt.ts';
import { openChannel } from '../../src/chain/actions/openChannelFor.ts';
import { sendTransaction } from '../../src/chain/actions/sendTransaction.ts';
import { createChainClient } from '../../src/chain/chainClient.ts';
import { devAccount } from '../../src/chain/devAccounts.ts';
import { CallRevertedError } from '../../src/chain/errors.ts';
import { type EmbeddedChain, startEmbeddedChain } from '../../src/chain/startEmbeddedChain.ts';

const RBT = 10n ** 18n;
let chain: EmbeddedChain;

before(async () => {
  chain = await startEmbeddedChain({ port: 0, deploymentsDir: mkdtempSync(join(tmpdir(), 'bandex-diff-')) });
});
after(async () => {
  await chain?.stop();
});

const op = fc.oneof(
  fc.record({
    kind: fc.constant('redeem' as const),
    amount: fc.bigInt({ min: 0n, max: 30n }),
    ticks: fc.integer({ min: 0, max: 20 }),
  }),
  fc.record({ kind: fc.constant('topUp' as const), amount: fc.bigInt({ min: 1n, max: 10n }) }),
  fc.record({ kind: fc.constant('cooperativeClose' as const), amount: fc.bigInt({ min: 0n, max: 30n }) }),
  fc.record({ kind: fc.constant('startClose' as const) }),
  fc.record({ kind: fc.constant('settle' as const) }),
);

/** The contract's custom error name; anything else (a failure of the test itself) is rethrown. */
function revertName(error: unknown): string {
  if (error instanceof CallRevertedError && error.meta.errorName) return error.meta.errorName;
  const reverted =
    error instanceof ViemBaseError ? error.walk((e) => e instanceof ContractFunctionRevertedError) : undefined;
  const name = reverted instanceof ContractFunctionRevertedError ? reverted.data?.errorName : undefined;
  if (!name) throw error;
  return name;
}

test('TypeScript ledger and contract agree on random operation sequences', async () => {
  const { channels, token } = chain.deployment.contracts;
  const payerAccount = devAccount(1);
  const payeeAccount = devAccount(2);
  const payer = createChainClient(chain.anvil.rpcUrl, payerAccount);
  const payee = createChainClient(chain.anvil.rpcUrl, payeeAccount);
  const testClient = createTestClient({ mode: 'anvil', transport: http(chain.anvil.rpcUrl) });
  await buyRbt(payer, { deployment: chain.deployment, reserveIn: 5_000n * 10n ** 6n, useFaucet: true });
  const feeBps = await payer.readContract({ address: channels, abi: paymentChannelsAbi, functionName: 'feeBps' });
  const premiumBurnBps = await payer.readContract({
    address: channels,
    abi: paymentChannelsAbi,
    functionName: 'premiumBurnBps',
  });
  const period = await payer.readContract({
    address: channels,
    abi: paymentChannelsAbi,
    functionName: 'challengePeriod',
  });
  const balance = (who: Hex) =>
    payer.readContract({ address: token, abi: bandwidthTokenAbi, functionName: 'balanceOf', args: [who] });
  const domain = { chainId: chain.deployment.chainId, channels };
  // A 20-element hash chain; ticks j reveal chain[20 - j].
  const hashes: Hex[] = [sha256('0xd1ff')];
  for (let i = 0; i < 20; i++) hashes.push(sha256(hashes[i] as Hex));
  const anchor = hashes[20] as Hex;
  const tickValue = RBT / 3n; // not a divisor of the amounts: exercises the fee rounding

  await fc.assert(
    fc.asyncProperty(
      fc.bigInt({ min: 1n, max: 20n }),
      fc.array(op, { minLength: 1, maxLength: 8 }),
      // Half of the channels pay a priority premium (up to the 10,000 bps maximum).
      fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 10_000 })),
      async (depositUnits, ops, premiumBps) => {
        const deposit = depositUnits * RBT;
        const { channelId } = await openChannel(payer, {
          deployment: chain.deployment,
          payee: payeeAccount.address,
          deposit,
          premiumBps,
        });
        // The open's permit set the allowance to the deposit and spent it; top-ups need a new one.
        await sendTransaction(payer, {
          address: token,
          abi: bandwidthTokenAbi,
          functionName: 'approve',
          args: [channels, maxUint256],
        });
        let model: ledger.LedgerChannel = {
          deposit,
          redeemed: 0n,
          feeBps,
          premiumBps: BigInt(premiumBps),
          premiumBurnBps: premiumBps === 0 ? 0n : premiumBurnBps,
          closing: false,
          closed: false,
        };

        for (const o of ops) {
          const [payerBefore, payeeBefore] = await Promise.all([
            balance(payerAccount.address),
            balance(payeeAccount.address),
          ]);
          let expected: ledger.LedgerOutcome;
          let call: () => Promise<unknown>;
          if (o.kind === 'redeem') {
            const amount = o.amount * RBT;
            const { signature } = await signVoucher(payerAccount, domain, {
              channelId,
              amount,
              tickAnchor: o.ticks > 0 ? anchor : NO_TICKS,
              tickValue,
            });
            const voucher = { channelId, amount, tickAnchor: o.ticks > 0 ? anchor : NO_TICKS, tickValue };
            expected = ledger.redeem(model, ledger.claimValue(amount, tickValue, o.ticks, model.deposit));
            call = () =>
              o.ticks > 0
                ? sendTransaction(payee, {
                    address: channels,
                    abi: paymentChannelsAbi,
                    functionName: 'redeemWithTicks',
                    args: [voucher, signature, hashes[20 - o.ticks] as Hex, BigInt(o.ticks)],
                  })
                : sendTransaction(payee, {
                    address: channels,
                    abi: paymentChannelsAbi,
                    functionName: 'redeem',
                    args: [voucher, signature],
                  });
          } else if (o.kind === 'topUp') {
            expected = ledger.topUp(model, o.amount * RBT);
            call = () =>
              sendTransaction(payer, {
                address: channels,
                abi: paymentChannelsAbi,
                functionName: 'topUp',
                args: [channelId, o.amount * RBT],
              });
          } else if (o.kind === 'cooperativeClose') {
            const amount = o.amount * RBT;
            const signature = await signCloseChannel(payeeAccount, domain, channelId, amount);
            expected = ledger.cooperativeClose(model, amount);
            call = () =>
              sendTransaction(payer, {
                address: channels,
                abi: paymentChannelsAbi,
                functionName: 'cooperativeClose',
                args: [channelId, amount, signature],
              });
          } else if (o.kind === 'startClose') {
            expected = ledger.startClose(model);
            call = () =>
              sendTransaction(payer, {
                address: channels,
                abi: paymentChannelsAbi,
                functionName: 'startClose',
                args: [channelId],
              });
          } else {
            await testClient.increaseTime({ seconds: Number(period) + 1 });
            await testClient.mine({ blocks: 1 });
            expected = ledger.settle(model);
            call = () =>
              sendTransaction(payer, {
                address: channels,
                abi: paymentChannelsAbi,
                functionName: 'settle',
                args: [channelId],
              });
          }

          let actualError: string | undefined;
          try {
            await call();
          } catch (error) {
            actualError = revertName(error);
          }
          if (!expected.ok) {
            assert.equal(actualError, expected.error, `${o.kind}: same revert`);
            continue;
          }
          assert.equal(actualError, undefined, `${o.kind}: contract should succeed`);
          const [payerAfter, payeeAfter] = await Promise.all([
            balance(payerAccount.address),
            balance(payeeAccount.address),
          ]);
          assert.equal(payeeAfter - payeeBefore, expected.toPayee, `${o.kind}: payee balance`);
          assert.equal(payerAfter - payerBefore, expected.toPayer, `${o.kind}: payer balance`);
          model = expected.channel;
          const onChain = await payer.readContract({
            address: channels,
            abi: paymentChannelsAbi,
            functionName: 'getChannel',
            args: [channelId],
          });
          if (!model.closed) {
            assert.equal(onChain.deposit, model.deposit, `${o.kind}: deposit`);
            assert.equal(onChain.redeemed, model.redeemed, `${o.kind}: redeemed`);
            assert.equal(onChain.premiumBps, model.premiumBps, `${o.kind}: premiumBps`);
            assert.equal(onChain.premiumBurnBps, model.premiumBurnBps, `${o.kind}: premiumBurnBps`);
            const [burned, fee] = await payer.readContract({
              address: channels,
              abi: paymentChannelsAbi,
              functionName: 'split',
              args: [channelId, model.redeemed],
            });
            const split = ledger.splitAmount(model.redeemed, model);
            assert.deepEqual({ burned, fee }, { burned: split.burned, fee: split.fee }, `${o.kind}: split`);
          }
        }
      },
    ),
    { numRuns: 12 },
  );
});

test('the premium split is exact and never decreases (pure ledger)', () => {
  fc.assert(
    fc.property(
      fc.bigInt({ min: 0n, max: 2n ** 80n - 2n }),
      fc.bigInt({ min: 0n, max: 2n ** 80n - 2n }),
      fc.bigInt({ min: 0n, max: 500n }),
      fc.bigInt({ min: 0n, max: 10_000n }),
      fc.bigInt({ min: 0n, max: 10_000n }),
      (a, b, feeBps, premiumBps, premiumBurnBps) => {
        const terms = { feeBps, premiumBps, premiumBurnBps };
        const [lo, hi] = a < b ? [a, b] : [b, a];
        const x = ledger.splitAmount(lo, terms);
        const y = ledger.splitAmount(hi, terms);
        assert.equal(y.payee - x.payee + (y.burned - x.burned) + (y.fee - x.fee), hi - lo);
        assert.ok(y.payee >= x.payee && y.burned >= x.burned && y.fee >= x.fee);
        const next = ledger.splitAmount(lo + 1n, terms);
        assert.ok(next.payee >= x.payee, 'one more wei never lowers the payee share');
      },
    ),
  );
  // 15 RBT at price × 1.5 with half the premium burned and a 1 % fee: 5 premium, 2.5 burned, 0.125 fee.
  assert.deepEqual(ledger.splitAmount(15n * RBT, { feeBps: 100n, premiumBps: 5_000n, premiumBurnBps: 5_000n }), {
    burned: 25n * 10n ** 17n,
    fee: 125n * 10n ** 15n,
    payee: 12_375n * 10n ** 15n,
  });
});
