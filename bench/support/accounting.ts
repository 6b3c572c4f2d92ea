/**
 * Accounting for the `bandex1hop` path, exactly as a paid session runs it: the client pays its hop
 * with `payHop` (hash-chain ticks per 64 KiB, 16 to a PAYMENT message, a partial batch 5 ms after it
 * became due; EIP-712 vouchers signed at checkpoints by the daemons' `localAccount`) as PAYMENT frames inside
 * the tunnel session; the provider charges it with `chargeSession` (`PayeeChannel` verifies each tick
 * and voucher, persists its best claim to SQLite before extending credit, and closes the session's
 * gate at the credit window). Receipts as the daemons exchange them: the client proposes one every 64 MiB
 * (`signReceipts`), the provider checks, countersigns and stores it (`countersignReceipts`, `ReceiptStore`).
 * The provider's stats include the time spent saving claims.
 *
 * What is not real here: the channel is not opened on chain (the bench hands both sides the same
 * channel id, payer address and deposit, as the chain would), the keys are throwaway, and the client knows the
provider's address from the bench's configuration instead of its offer.
 * Configuration comes from `BENCH_CHANNEL` (JSON, see `BenchChannel`), set by `bench/run.ts`.
 */
import { join } from 'node:path';
import type { Address, Hex } from 'viem';
import { PayeeChannel } from '../../src/accounting/PayeeChannel.ts';
import { PayerChannel } from '../../src/accounting/PayerChannel.ts';
import { sessionIdOf } from '../../src/accounting/receipt.ts';
import { type ChargedSession, chargeSession } from '../../src/session/chargeSession.ts';
import { countersignReceipts } from '../../src/session/countersignReceipts.ts';
import { type PaidHop, payHop } from '../../src/session/payHop.ts';
import { signReceipts } from '../../src/session/signReceipts.ts';
import { ChannelStore } from '../../src/store/ChannelStore.ts';
import { openDatabase } from '../../src/store/openDatabase.ts';
import { ReceiptStore } from '../../src/store/ReceiptStore.ts';
import type { ClientSession } from '../../src/tunnel/connectClientSession.ts';
import type { MuxSession } from '../../src/tunnel/MuxSession.ts';
import { localAccount } from '../../src/wallet/localAccount.ts';

export type BenchChannel = {
  /** The payer's key: only the client process reads it (the provider gets `payer`). */
  privateKey?: Hex;
  payer: Address;
  channelId: Hex;
  chainId: number;
  channels: Address;
  deposit: string;
  priceWeiPerGiB: string;
  creditBytes: number;
  /** The provider's registry key (receipts), and the registry the receipts are signed for. */
  providerKey: Hex;
  registry: Address;
  /** The one session's nonce (its id names the receipts). */
  sessionNonce: Hex;
  /** Directory for the provider's SQLite claim store. */
  dir: string;
};

function channel(): BenchChannel {
  const raw = process.env.BENCH_CHANNEL;
  if (!raw) throw new Error('BENCH_CHANNEL is not set');
  return JSON.parse(raw) as BenchChannel;
}

export async function attachProviderAccounting() {
  const c = channel();
  const db = openDatabase({ file: join(c.dir, `provider-${process.pid}.sqlite`) });
  const store = new ChannelStore(db);
  const receipts = new ReceiptStore(db);
  const account = localAccount(c.providerKey);
  const domain = { chainId: c.chainId, channels: c.channels };
  store.saveChannel({
    channelId: c.channelId,
    role: 'payee',
    chainId: c.chainId,
    contract: c.channels,
    payer: c.payer,
    payee: c.channels,
    deposit: BigInt(c.deposit),
  });
  // Time the claim saves (the one synchronous disk write on the payment path).
  const save = store.saveClaim.bind(store);
  const saves = { count: 0, totalMs: 0, maxMs: 0 };
  store.saveClaim = (...args) => {
    const start = performance.now();
    try {
      return save(...args);
    } finally {
      const ms = performance.now() - start;
      saves.count++;
      saves.totalMs += ms;
      saves.maxMs = Math.max(saves.maxMs, ms);
    }
  };
  const charged: ChargedSession[] = [];
  const countersigned: ReturnType<typeof countersignReceipts>[] = [];
  return {
    ready: {},
    onSession: (session: MuxSession) => {
      const payee = new PayeeChannel({
        domain,
        channelId: c.channelId,
        payer: c.payer,
        deposit: BigInt(c.deposit),
        priceWeiPerGiB: BigInt(c.priceWeiPerGiB),
        creditBytes: c.creditBytes,
      });
      charged.push(chargeSession({ session, payee, store, creditBytes: c.creditBytes }));
      countersigned.push(
        countersignReceipts({
          session,
          payee,
          account,
          domain: { chainId: c.chainId, registry: c.registry },
          sessionId: sessionIdOf(c.channelId, c.sessionNonce),
          store: receipts,
        }),
      );
    },
    stats: () => ({
      sessions: charged.length,
      pauses: charged.reduce((n, s) => n + s.pauses, 0),
      bytesServed: charged.reduce((n, s) => n + s.payee.bytesServed, 0),
      bytesPaid: charged.reduce((n, s) => n + s.payee.bytesPaid, 0),
      receipts: countersigned.reduce((n, r) => n + r.count, 0),
      claimSaves: { count: saves.count, totalMs: Math.round(saves.totalMs), maxMs: Math.round(saves.maxMs * 10) / 10 },
    }),
  };
}

export async function attachClientAccounting(session: ClientSession) {
  const c = channel();
  const account = localAccount(c.privateKey as Hex);
  const payer = new PayerChannel({
    account,
    domain: { chainId: c.chainId, channels: c.channels },
    channelId: c.channelId,
    deposit: BigInt(c.deposit),
    alreadyPromised: 0n,
    priceWeiPerGiB: BigInt(c.priceWeiPerGiB),
  });
  // One hop here; on a longer path each hop would get its own channel and payHop.
  const hop: PaidHop = await payHop({ session: session.exit, payer, creditBytes: c.creditBytes });
  signReceipts({
    session: session.exit,
    paid: hop,
    account,
    domain: { chainId: c.chainId, registry: c.registry },
    sessionId: sessionIdOf(c.channelId, c.sessionNonce),
    channelId: c.channelId,
    provider: localAccount(c.providerKey).address,
  });
  return {
    stats: () => ({
      bytesDelivered: hop.payer.bytesDelivered,
      bytesPaid: hop.payer.bytesPaid,
      paymentMessages: hop.messages,
    }),
  };
}
