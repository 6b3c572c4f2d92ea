/**
 * `npm run bench:accounting [-- --json]`: the cost of paying per chunk. Measures tick creation (payer,
 * checkpointed hash-chain traversal, chain generation included), tick verification (payee, one
 * SHA-256), voucher signing and verification (EIP-712, secp256k1 in viem), and derives the share of
 * one core the accounting takes at 250 MB/s with 64 KiB ticks and a voucher every 512 ticks.
 * Prints a table, or one JSON line with --json. Figures are rates on this machine; compare ratios.
 */
import type { Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { TICK_BYTES, TICKS_PER_VOUCHER } from '../src/accounting/constants.ts';
import { TickChain, TickVerifier } from '../src/accounting/hashChain.ts';
import { NO_TICKS, type SignedVoucher, signVoucher, verifyVoucher } from '../src/accounting/voucher.ts';

const CHAIN = 65_536;
const VOUCHERS = 300;
const RATE = 250e6;

function perSec(count: number, startNs: bigint): number {
  return count / (Number(process.hrtime.bigint() - startNs) / 1e9);
}

// Payer: create a chain and reveal every element (amortises generation over its ticks).
let start = process.hrtime.bigint();
const chain = TickChain.create(CHAIN);
const ticks: Buffer[] = [];
for (let i = 0; i < CHAIN; i++) ticks.push(chain.next());
const tickCreatePerSec = perSec(CHAIN, start);

// Payee: verify each tick with one hash.
const verifier = new TickVerifier(chain.anchor);
start = process.hrtime.bigint();
for (const tick of ticks) verifier.accept(tick);
const tickVerifyPerSec = perSec(CHAIN, start);

const account = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d');
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

const ticksPerSec = RATE / TICK_BYTES;
const payerShare = ticksPerSec * (1 / tickCreatePerSec + 1 / voucherSignPerSec / TICKS_PER_VOUCHER);
const payeeShare = ticksPerSec * (1 / tickVerifyPerSec + 1 / voucherVerifyPerSec / TICKS_PER_VOUCHER);
const result = {
  tickVerifyPerSec: Math.round(tickVerifyPerSec),
  tickCreatePerSec: Math.round(tickCreatePerSec),
  voucherSignPerSec: Math.round(voucherSignPerSec),
  voucherVerifyPerSec: Math.round(voucherVerifyPerSec),
  /** The busier side's share of one core (payer and payee run on different machines). */
  cpuShareAt250MBps: Number(Math.max(payerShare, payeeShare).toFixed(4)),
  payerCpuShareAt250MBps: Number(payerShare.toFixed(4)),
  payeeCpuShareAt250MBps: Number(payeeShare.toFixed(4)),
  tickBytes: TICK_BYTES,
  ticksPerVoucher: TICKS_PER_VOUCHER,
};

if (process.argv.includes('--json')) process.stdout.write(`${JSON.stringify(result)}\n`);
else console.table(result);
