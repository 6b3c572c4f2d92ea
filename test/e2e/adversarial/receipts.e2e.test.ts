/**
 * Two-sided session receipts on the real code: a real provider in its own process (`providerProcess.ts`),
 * a real chain with the real contracts, the client's real path builder (`buildPath` → `payHop` →
 * `signReceipts`) and its real equivocation reporter.
 *
 * - honest: after a paid download and the path's close, the client's and the provider's SQLite stores hold
 *   the same final receipt with both signatures, each verifying for its signer;
 * - bad proposals from a misbehaving client (bad signature, inflated, replayed) end the session with their
 *   code and the receipts the provider already stored stay;
 * - a provider that signs two different receipts for one checkpoint is slashed on the client's evidence:
 *   its stake moves and the reporting client gets the reward.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Hex, LocalAccount } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { checkpointIdOf, isReceiptSignedBy, type Receipt, signReceipt } from '../../../src/accounting/receipt.ts';
import { encodeReceiptMessage } from '../../../src/accounting/receiptMessages.ts';
import { balanceOf } from '../../../src/chain/actions/balanceOf.ts';
import { readProvider } from '../../../src/chain/actions/readProvider.ts';
import { createChainClient } from '../../../src/chain/chainClient.ts';
import { createSerialWrites } from '../../../src/chain/serialWrites.ts';
import { EquivocationReporter } from '../../../src/client/EquivocationReporter.ts';
import { silentLogger } from '../../../src/log/logger.ts';
import { createPathBuilder } from '../../../src/session/buildPath.ts';
import { payHop } from '../../../src/session/payHop.ts';
import type { Equivocation } from '../../../src/session/signReceipts.ts';
import { ChannelStore } from '../../../src/store/ChannelStore.ts';
import { openDatabase } from '../../../src/store/openDatabase.ts';
import { ReceiptStore } from '../../../src/store/ReceiptStore.ts';
import { type AdversaryBench, CREDIT, DEPOSIT, startAdversaryBench } from '../../support/adversary.ts';

const MiB = 1024 * 1024;

/** A client on the real path builder, its stores in a fresh SQLite file. */
function clientOf(bench: AdversaryBench, account: LocalAccount, onEquivocation?: (e: Equivocation) => void) {
  const db = openDatabase({ file: join(mkdtempSync(join(tmpdir(), 'bandex-receipts-client-')), 'client.db') });
  const store = new ChannelStore(db);
  const receipts = new ReceiptStore(db);
  const builder = createPathBuilder({
    client: createChainClient(bench.chain.anvil.rpcUrl, account),
    deployment: bench.chain.deployment,
    account,
    store,
    receipts,
    onEquivocation,
    depositWei: DEPOSIT,
    creditBytes: CREDIT,
    logger: silentLogger,
  });
  const offer = bench.offer();
  const download = async (bytes: number) => {
    const path = await builder.build([offer]);
    const stream = await path.session.openStream({ host: '127.0.0.1', port: bench.origins.download });
    let got = 0;
    for await (const chunk of stream) {
      got += (chunk as Buffer).length;
      if (got >= bytes) break;
    }
    stream.destroy();
    return { path, got };
  };
  return { builder, receipts, store, download };
}

describe('session receipts, honest provider', { timeout: 180_000 }, () => {
  let bench: AdversaryBench;
  before(async () => {
    bench = await startAdversaryBench('receipts');
  });
  after(async () => {
    await bench?.stop();
  });

  it('after a paid session both SQLite stores hold the final receipt with both signatures', async () => {
    const account = await bench.account(9);
    const client = clientOf(bench, account);
    const { path, got } = await client.download(3 * MiB);
    const hop = path.hops[0];
    assert.ok(hop);
    await client.builder.close(path);
    const mine = client.receipts.latestFullySigned(hop.sessionId);
    assert.ok(mine, 'the client holds a countersigned receipt');
    assert.ok(mine.receipt.bytesDown >= BigInt(got));
    assert.ok(mine.receipt.amount > 0n);
    const theirs = bench.providerReceipt(hop.sessionId);
    assert.ok(theirs, 'the provider holds the same receipt');
    assert.deepEqual(theirs.receipt, mine.receipt);
    assert.equal(theirs.seq, mine.seq);
    const domain = { chainId: bench.chain.deployment.chainId, registry: bench.chain.deployment.contracts.registry };
    assert.equal(await isReceiptSignedBy(domain, mine.receipt, mine.providerSignature, bench.provider.address), true);
    // Signed by the hop's own payer key, not the wallet (issue 17: no hop sees the wallet).
    assert.notEqual(hop.payer, account.address);
    assert.equal(await isReceiptSignedBy(domain, mine.receipt, theirs.clientSignature, hop.payer), true);
    assert.equal(mine.receipt.sessionId, checkpointIdOf(hop.sessionId, mine.seq));
    client.store.close();
  });

  it('bad proposals end the session with their code; the stored receipts stay', async () => {
    const payerAccount = await bench.account(8);
    const stranger = privateKeyToAccount(generatePrivateKey());
    const channelId = await bench.openChannel(payerAccount);
    const domain = { chainId: bench.chain.deployment.chainId, registry: bench.chain.deployment.contracts.registry };
    let promised = 0n;
    const attempt = async (
      make: (sessionId: Hex, hop: { meterSent: number; promised: bigint }) => Promise<Buffer[]>,
    ): Promise<void> => {
      const { session, answer } = await bench.session({ payer: payerAccount, channelId });
      const muxSession = session.hops[0];
      assert.ok(muxSession);
      const payer = bench.payer(payerAccount, channelId, promised);
      const paid = await payHop({ session: muxSession, payer, creditBytes: CREDIT });
      await paid.settled();
      promised = payer.promised;
      const closed = once(muxSession, 'close');
      for (const message of await make(answer.sessionId, { meterSent: muxSession.meter.sent, promised }))
        muxSession.sendPayment(message);
      await closed; // the provider hangs up; its metrics say why
    };
    const proposal = async (sessionId: Hex, seq: number, over: Partial<Receipt>, signer: LocalAccount) => {
      const now = BigInt(Math.floor(Date.now() / 1000));
      const receipt: Receipt = {
        sessionId: checkpointIdOf(sessionId, seq),
        channelId,
        bytesUp: 0n,
        bytesDown: 0n,
        amount: promised,
        startTime: now - 1n,
        endTime: now,
        ...over,
      };
      return encodeReceiptMessage({ seq, receipt, signature: await signReceipt(signer, domain, receipt) });
    };
    const before = await bench.provider.errors();
    let firstSession: Hex | undefined;
    // A valid checkpoint 0, then the same checkpoint replayed: RECEIPT_REPLAYED; checkpoint 0 stays stored.
    await attempt(async (sessionId) => {
      firstSession = sessionId;
      const good = await proposal(sessionId, 0, {}, payerAccount);
      return [good, good];
    });
    await attempt(async (sessionId) => [await proposal(sessionId, 0, { bytesDown: 10n * 2n ** 30n }, payerAccount)]);
    await attempt(async (sessionId) => [await proposal(sessionId, 0, {}, stranger)]);
    const after = await bench.provider.errors();
    for (const code of ['RECEIPT_REPLAYED', 'RECEIPT_OVERCLAIM', 'RECEIPT_BAD_SIGNATURE'])
      assert.equal((after[code] ?? 0) - (before[code] ?? 0), 1, code);
    assert.ok(firstSession);
    const kept = bench.providerReceipt(firstSession);
    assert.equal(kept?.seq, 0, 'the valid checkpoint is kept with both signatures');
    // The channel still serves: an honest session on it opens and pays.
    const honest = await bench.session({ payer: payerAccount, channelId });
    honest.session.close();
  });
});

describe('session receipts, equivocating provider', { timeout: 180_000 }, () => {
  let bench: AdversaryBench;
  before(async () => {
    bench = await startAdversaryBench('equivocation', { fault: 'equivocate' });
  });
  after(async () => {
    await bench?.stop();
  });

  it('the client submits both receipts to slashEquivocation: stake moves, the reporter is rewarded', async () => {
    const account = await bench.account(9);
    const chainClient = createChainClient(bench.chain.anvil.rpcUrl, account);
    const { deployment } = bench.chain;
    const reporter = new EquivocationReporter({
      client: chainClient,
      registry: deployment.contracts.registry,
      serialWrites: createSerialWrites(),
      logger: silentLogger,
    });
    let found: ((e: Equivocation) => void) | undefined;
    const equivocation = new Promise<Equivocation>((resolve) => {
      found = resolve;
    });
    const client = clientOf(bench, account, (evidence) => {
      void reporter.report(evidence);
      found?.(evidence);
    });
    const stakeBefore = (await readProvider(chainClient, { deployment, provider: bench.provider.address })).stakeWei;
    const { path } = await client.download(MiB);
    const balanceBefore = await balanceOf(chainClient, { token: deployment.contracts.token, account: account.address });
    const hop = path.hops[0];
    assert.ok(hop);
    const closed = once(path.session.hops[0] as NonNullable<(typeof path.session.hops)[0]>, 'close');
    void hop.receipts.checkpoint();
    const evidence = await equivocation;
    const [error] = (await closed) as [{ code?: string } | undefined];
    assert.equal(error?.code, 'RECEIPT_EQUIVOCATION');
    assert.equal(evidence.a.sessionId, evidence.b.sessionId);
    assert.equal(client.receipts.list({ session: hop.sessionId }).length, 2, 'both contents are kept');
    const [report] = await reporter.reports();
    assert.ok(report?.transaction, `slashEquivocation was mined (${report?.error})`);
    const stakeAfter = (await readProvider(chainClient, { deployment, provider: bench.provider.address })).stakeWei;
    const balanceAfter = await balanceOf(chainClient, { token: deployment.contracts.token, account: account.address });
    assert.ok(stakeAfter < stakeBefore, `stake ${stakeBefore} → ${stakeAfter}`);
    assert.ok(balanceAfter > balanceBefore, `reporter balance ${balanceBefore} → ${balanceAfter}`);
    path.session.close();
    client.store.close();
  });
});
