/**
 * Issue 14, "Nothing for free": a client that does not follow the protocol, against a real provider
 * process on a real chain, gets at most one credit window per channel that it has not paid for — in
 * either direction, over any number of sessions, across a provider SIGKILL — and an honest client on
 * the same provider still works afterwards. Each case asserts what the attacker got.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Hex, LocalAccount } from 'viem';
import { TICK_BYTES } from '../../../src/accounting/constants.ts';
import { encodePayment } from '../../../src/accounting/messages.ts';
import { startCloseChannel } from '../../../src/chain/actions/startCloseChannel.ts';
import { createChainClient } from '../../../src/chain/chainClient.ts';
import { type AdversaryBench, CREDIT, startAdversaryBench, TICK_VALUE, UNPAID_BOUND } from '../../support/adversary.ts';
import { closedWithin, readUntilQuiet, sendVoucher, writeUntilBlocked } from '../../support/attackerSession.ts';

describe('nothing for free: credit belongs to the channel', { timeout: 300_000 }, () => {
  let bench: AdversaryBench;
  let attacker: LocalAccount;

  before(async () => {
    bench = await startAdversaryBench('credit');
    attacker = await bench.account(1);
  });
  after(async () => {
    await bench?.stop();
  });

  /** One session that opens with `amount`, downloads until paused; returns the bytes it got. */
  const downloadOnce = async (channelId: Hex, amount: bigint) => {
    const { session } = await bench.session({ payer: attacker, channelId });
    await sendVoucher(session.exit, attacker, bench.domain, channelId, amount);
    const stream = await session.openStream({ host: '127.0.0.1', port: bench.origins.download }).catch(() => undefined);
    const got = stream ? await readUntilQuiet(stream) : 0; // a refused voucher ends the session: nothing opens
    session.close();
    return got;
  };

  it('sessions that reopen with a voucher of 0 get one credit window, all together', async () => {
    const channelId = await bench.openChannel(attacker);
    let got = 0;
    for (let i = 0; i < 3; i++) got += await downloadOnce(channelId, 0n);
    assert.ok(got > 0, 'the first session was served its credit');
    assert.ok(bench.unpaid(channelId, got) <= UNPAID_BOUND, `got ${got} bytes unpaid over 3 sessions`);
    assert.ok(got <= UNPAID_BOUND, `${got} bytes for nothing`);
  });

  it('twelve sessions on one channel that pay no tick get one credit window', async () => {
    const channelId = await bench.openChannel(attacker);
    let got = 0;
    for (let i = 0; i < 12; i++) {
      // Each opens at the floor the provider answered with (the most it can do without paying more).
      const { session, answer } = await bench.session({ payer: attacker, channelId });
      const floor = answer.channel.claim ? answer.channel.claim.amount : 0n;
      const owed = BigInt(Math.ceil(answer.channel.servedBytes / TICK_BYTES)) * TICK_VALUE;
      await sendVoucher(session.exit, attacker, bench.domain, channelId, owed > floor ? owed : floor);
      const stream = await session.openStream({ host: '127.0.0.1', port: bench.origins.download });
      got += await readUntilQuiet(stream, 300);
      session.close();
    }
    const unpaid = bench.unpaid(channelId, got);
    assert.ok(unpaid <= UNPAID_BOUND, `${unpaid} bytes unpaid over 12 sessions`);
  });

  it('a replayed opening voucher from an earlier session is below the floor: VOUCHER_TOO_LOW, nothing served', async () => {
    const channelId = await bench.openChannel(attacker);
    const payer = bench.payer(attacker, channelId);
    const first = await bench.session({ payer: attacker, channelId });
    const opening = await payer.open();
    first.session.exit.sendPayment(encodePayment({ kind: 'voucher', signed: opening }));
    const stream = await first.session.openStream({ host: '127.0.0.1', port: bench.origins.download });
    // An honest stretch: pay for what arrives, so the channel owes more than the opening voucher.
    let got = 0;
    stream.on('data', (d: Buffer) => {
      got += d.length;
    });
    while (got < 2 * CREDIT) {
      await sleep(20);
      payer.addDelivered(got - payer.bytesDelivered);
      for (let t = payer.takeTicks(64); t; t = payer.takeTicks(64)) first.session.exit.sendPayment(encodePayment(t));
    }
    first.session.close();
    const before = await bench.provider.errors();
    const second = await bench.session({ payer: attacker, channelId });
    second.session.exit.sendPayment(encodePayment({ kind: 'voucher', signed: opening }));
    const replayStream = await second.session
      .openStream({ host: '127.0.0.1', port: bench.origins.download })
      .catch(() => undefined);
    const replayed = replayStream ? await readUntilQuiet(replayStream) : 0;
    assert.equal(replayed, 0, 'nothing for a stale voucher');
    assert.notEqual(await closedWithin(second.session.exit, 5_000), 'open', 'the provider ended the session');
    const afterErrors = await bench.provider.errors();
    assert.equal((afterErrors.VOUCHER_TOO_LOW ?? 0) - (before.VOUCHER_TOO_LOW ?? 0), 1);
  });

  it('a voucher signed by another key mid-session ends it (VOUCHER_BAD_SIGNATURE)', async () => {
    const channelId = await bench.openChannel(attacker);
    const { session } = await bench.session({ payer: attacker, channelId });
    await sendVoucher(session.exit, attacker, bench.domain, channelId, 0n);
    const other = await bench.account(3);
    const before = await bench.provider.errors();
    await sendVoucher(session.exit, other, bench.domain, channelId, 10n ** 18n);
    assert.notEqual(await closedWithin(session.exit, 5_000), 'open');
    assert.equal(((await bench.provider.errors()).VOUCHER_BAD_SIGNATURE ?? 0) - (before.VOUCHER_BAD_SIGNATURE ?? 0), 1);
  });

  it('a tick before the opening voucher ends the session (TICK_MISMATCH); no stream is served', async () => {
    const channelId = await bench.openChannel(attacker);
    const { session } = await bench.session({ payer: attacker, channelId });
    session.exit.sendPayment(encodePayment({ kind: 'tick', preimage: Buffer.alloc(32, 1) }));
    assert.notEqual(await closedWithin(session.exit, 5_000), 'open');
    assert.equal(bench.claim(channelId).served, 0);
  });

  it('uploading with no tick paid crosses the exit for at most one credit window', async () => {
    const channelId = await bench.openChannel(attacker);
    const sunkBefore = bench.origins.sunk();
    let pushed = 0;
    for (let i = 0; i < 3; i++) {
      const { session } = await bench.session({ payer: attacker, channelId });
      await sendVoucher(session.exit, attacker, bench.domain, channelId, 0n);
      const streams = await Promise.all(
        [0, 1, 2, 3].map(() =>
          session.openStream({ host: '127.0.0.1', port: bench.origins.sink }).catch(() => undefined),
        ),
      );
      const open = streams.filter((s) => s !== undefined);
      pushed += (await Promise.all(open.map((s) => writeUntilBlocked(s)))).reduce((a, b) => a + b, 0);
      session.close();
    }
    await sleep(300);
    const crossed = bench.origins.sunk() - sunkBefore;
    assert.ok(crossed > 0, 'the credit window was usable');
    assert.ok(bench.unpaid(channelId, crossed) <= UNPAID_BOUND, `${crossed} bytes uploaded unpaid (${pushed} offered)`);
  });

  it('uploading and downloading at once, unpaid: one credit window in total', async () => {
    const channelId = await bench.openChannel(attacker);
    const sunkBefore = bench.origins.sunk();
    const { session } = await bench.session({ payer: attacker, channelId });
    await sendVoucher(session.exit, attacker, bench.domain, channelId, 0n);
    const down = await session.openStream({ host: '127.0.0.1', port: bench.origins.download });
    const up = await session.openStream({ host: '127.0.0.1', port: bench.origins.sink });
    const [got] = await Promise.all([readUntilQuiet(down), writeUntilBlocked(up)]);
    session.close();
    await sleep(300);
    const total = got + bench.origins.sunk() - sunkBefore;
    assert.ok(bench.unpaid(channelId, total) <= UNPAID_BOUND, `${total} bytes both ways, unpaid`);
  });

  it('vouchers that raise nothing do not keep a paused session alive (SESSION_UNPAID)', {
    timeout: 60_000,
  }, async () => {
    const channelId = await bench.openChannel(attacker);
    const { session } = await bench.session({ payer: attacker, channelId });
    await sendVoucher(session.exit, attacker, bench.domain, channelId, 0n);
    const stream = await session.openStream({ host: '127.0.0.1', port: bench.origins.download });
    const got = await readUntilQuiet(stream);
    const before = await bench.provider.errors();
    // Every two seconds the same amount again, re-anchored: a payment message, but not a payment.
    const keepAlive = setInterval(() => {
      void sendVoucher(session.exit, attacker, bench.domain, channelId, 0n, `0x${'77'.repeat(32)}`);
    }, 2_000);
    const closed = await closedWithin(session.exit, 25_000);
    clearInterval(keepAlive);
    assert.notEqual(closed, 'open', 'the unpaid timeout ended the session');
    assert.equal(((await bench.provider.errors()).SESSION_UNPAID ?? 0) - (before.SESSION_UNPAID ?? 0), 1);
    assert.ok(bench.unpaid(channelId, got) <= UNPAID_BOUND);
  });

  it('a session whose channel starts closing on chain is ended, and a new proposal is refused', async () => {
    const channelId = await bench.openChannel(attacker);
    const { session } = await bench.session({ payer: attacker, channelId });
    await sendVoucher(session.exit, attacker, bench.domain, channelId, 0n);
    const stream = await session.openStream({ host: '127.0.0.1', port: bench.origins.download });
    let got = 0;
    stream.on('data', (d: Buffer) => {
      got += d.length;
    });
    await sleep(200);
    await startCloseChannel(createChainClient(bench.chain.anvil.rpcUrl, attacker), {
      deployment: bench.chain.deployment,
      channelId,
    });
    assert.notEqual(await closedWithin(session.exit, 5_000), 'open', 'the provider ended the session');
    assert.ok(bench.unpaid(channelId, got) <= UNPAID_BOUND, `${got} bytes`);
    const { answer } = await bench.propose({ payer: attacker, channelId });
    assert.equal(answer.ok ? 'accepted' : answer.code, 'CHANNEL_CLOSING');
  });

  it('a SIGKILLed provider, restarted, gives the same attacker nothing more on the same channel', async () => {
    const channelId = await bench.openChannel(attacker);
    const got = await downloadOnce(channelId, 0n);
    await sleep(300); // the pause was saved at once; give the WAL a moment anyway
    await bench.provider.killAndRestart();
    let more = 0;
    for (let i = 0; i < 2; i++) more += await downloadOnce(channelId, 0n).catch(() => 0);
    assert.equal(more, 0, 'a session opening with 0 after the restart is refused its voucher');
    assert.ok(bench.unpaid(channelId, got + more) <= UNPAID_BOUND);
  });

  it('an honest client on the same provider still works afterwards', async () => {
    const size = 3 * CREDIT;
    assert.ok((await bench.honestDownload(size)) >= size);
  });
});
