/**
 * `npm run bench:accounting [-- --json]`: the cost of paying per chunk, in one process, no tunnel.
 * Measures tick creation (payer: chains of the default length, generated and revealed), tick
 * verification (payee, one SHA-256), voucher signing and verification (EIP-712, secp256k1), and the
 * whole payment path for a stream of ticks as a session runs it (payer → message → payee, with a
 * checkpoint voucher every 512 ticks): one message per tick (`payDelivered`) and batched (`takeTicks`,
 * 16 ticks per message, what `payHop` sends under load). Derives the share of one core the accounting
 * takes at 250 MB/s with 64 KiB ticks. Prints a table, or one JSON line with --json. Figures are rates
 * on this machine; compare ratios.
 */
import type { Hex } from 'viem';
import { DEFAULT_CHAIN_LENGTH, GIB, TICK_BYTES, TICKS_PER_VOUCHER } from '../src/accounting/constants.ts';
import { TickChain, TickVerifier } from '../src/accounting/hashChain.ts';
import { decodePaymentMessage, encodePayment } from '../src/accounting/messages.ts';
import { PayeeChannel } from '../src/accounting/PayeeChannel.ts';
import { PayerChannel, type PaymentMessage } from '../src/accounting/PayerChannel.ts';
import { NO_TICKS, type SignedVoucher, signVoucher, verifyVoucher } from '../src/accounting/voucher.ts';
import { localAccount } from '../src/wallet/localAccount.ts';
import { payDelivered } from '../test/support/payments.ts';

const CHAIN = 65_536;
const VOUCHERS = 300;
const PIPELINE_TICKS = 16_384;
const BATCH = 16;
const RATE = 250e6;

function perSec(count: number, startNs: bigint): number {
  return count / (Number(process.hrtime.bigint() - startNs) / 1e9);
}

// Payer: create chains of the length sessions use, one after another, and reveal every element
// (generation included, as a session renews its chain).
let start = process.hrtime.bigint();
const chains: { anchor: Buffer; ticks: Buffer[] }[] = [];
for (let c = 0; c < CHAIN / DEFAULT_CHAIN_LENGTH; c++) {
  const chain = TickChain.create(DEFAULT_CHAIN_LENGTH);
  const ticks: Buffer[] = [];
  for (let i = 0; i < DEFAULT_CHAIN_LENGTH; i++) ticks.push(chain.next());
  chains.push({ anchor: chain.anchor, ticks });
}
const tickCreatePerSec = perSec(CHAIN, start);

// Payee: verify each tick with one hash.
start = process.hrtime.bigint();
for (const { anchor, ticks } of chains) {
  const verifier = new TickVerifier(anchor);
  for (const tick of ticks) verifier.accept(tick);
}
const tickVerifyPerSec = perSec(CHAIN, start);

const account = localAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d');
const domain = { chainId: 31337, channels: '0x5FbDB2315678afecb367f032d93F642f64180aa3' as const };
const channelId = `0x${'11'.repeat(32)}` as Hex;
const signed: SignedVoucher[] = [];
start = process.hrtime.bigint();
for (let i = 0; i < VOUCHERS; i++)
  signed.push(
    await signVoucher(account, domain, { channelId, amount: BigInt(i + 1), tickAnchor: NO_TICKS, tickValue: 1n }),
  );
const voucherSignPerSec = perSec(VOUCHERS, start);
start = process.hrtime.bigint();
for (const s of signed)
  await verifyVoucher({
    signed: s,
    domain,
    channelId,
    payer: account.address,
    deposit: 10n ** 18n,
    previousAmount: 0n,
  });
const voucherVerifyPerSec = perSec(VOUCHERS, start);

/**
 * The payment path of a session, both sides in one process: `PIPELINE_TICKS` ticks delivered 64 KiB
 * at a time, encoded, decoded and accepted, vouchers included. Returns payer and payee CPU seconds
 * per tick (measured separately: each side runs on its own machine).
 */
async function pipeline(batch: number): Promise<{ payerPerTick: number; payeePerTick: number; messages: number }> {
  const shared = { domain, channelId, deposit: 10n ** 30n, priceWeiPerGiB: BigInt(GIB) };
  const payer = new PayerChannel({ ...shared, account, alreadyPromised: 0n });
  const payee = new PayeeChannel({ ...shared, payer: account.address, creditBytes: 8 * 2 ** 20 });
  let payerNs = 0n;
  let payeeNs = 0n;
  let messages = 0;
  const deliver = (wire: Buffer[]) => {
    const t = process.hrtime.bigint();
    for (const bytes of wire) {
      const p = decodePaymentMessage(bytes);
      if (p.kind === 'ticks') payee.acceptTicks(p.preimage, p.count);
      else if (p.kind === 'tick') payee.acceptTick(p.preimage);
      else payee.acceptVoucherSync(p.signed);
    }
    payeeNs += process.hrtime.bigint() - t;
    messages += wire.length;
  };
  deliver([encodePayment({ kind: 'voucher', signed: await payer.open() })]);
  for (let delivered = 0; delivered < PIPELINE_TICKS; ) {
    const t = process.hrtime.bigint();
    const out: PaymentMessage[] = [];
    if (batch === 1) {
      out.push(...(await payDelivered(payer, TICK_BYTES)));
      delivered++;
    } else {
      payer.addDelivered(batch * TICK_BYTES);
      delivered += batch;
      for (;;) {
        if (payer.voucherDue) out.push({ kind: 'voucher', signed: await payer.payVoucher() });
        const ticks = payer.takeTicks(batch);
        if (!ticks) break;
        out.push(ticks);
      }
    }
    const wire = out.map(encodePayment);
    payerNs += process.hrtime.bigint() - t;
    deliver(wire);
  }
  if (payee.value !== payer.promised) throw new Error(`payee holds ${payee.value}, payer promised ${payer.promised}`);
  return {
    payerPerTick: Number(payerNs) / 1e9 / PIPELINE_TICKS,
    payeePerTick: Number(payeeNs) / 1e9 / PIPELINE_TICKS,
    messages,
  };
}
await pipeline(BATCH); // warm-up
const perTick = await pipeline(1);
const batched = await pipeline(BATCH);

const ticksPerSec = RATE / TICK_BYTES;
const payerShare = ticksPerSec * (1 / tickCreatePerSec + 1 / voucherSignPerSec / TICKS_PER_VOUCHER);
const payeeShare = ticksPerSec * (1 / tickVerifyPerSec + 1 / voucherVerifyPerSec / TICKS_PER_VOUCHER);
const share = (seconds: number) => Number((ticksPerSec * seconds).toFixed(4));
const result = {
  tickVerifyPerSec: Math.round(tickVerifyPerSec),
  tickCreatePerSec: Math.round(tickCreatePerSec),
  voucherSignPerSec: Math.round(voucherSignPerSec),
  voucherVerifyPerSec: Math.round(voucherVerifyPerSec),
  /** The busier side's share of one core (payer and payee run on different machines). */
  cpuShareAt250MBps: Number(Math.max(payerShare, payeeShare).toFixed(4)),
  payerCpuShareAt250MBps: Number(payerShare.toFixed(4)),
  payeeCpuShareAt250MBps: Number(payeeShare.toFixed(4)),
  /** The whole payment path (state machines, messages, vouchers; no tunnel), one message per tick. */
  pathPerTickPayerCpuShareAt250MBps: share(perTick.payerPerTick),
  pathPerTickPayeeCpuShareAt250MBps: share(perTick.payeePerTick),
  /** The same with `BATCH` ticks per message. */
  pathBatchedPayerCpuShareAt250MBps: share(batched.payerPerTick),
  pathBatchedPayeeCpuShareAt250MBps: share(batched.payeePerTick),
  pathMessagesPerTick: Number((perTick.messages / PIPELINE_TICKS).toFixed(4)),
  pathBatchedMessagesPerTick: Number((batched.messages / PIPELINE_TICKS).toFixed(4)),
  batchTicks: BATCH,
  tickBytes: TICK_BYTES,
  ticksPerVoucher: TICKS_PER_VOUCHER,
};

if (process.argv.includes('--json')) process.stdout.write(`${JSON.stringify(result)}\n`);
else console.table(result);
