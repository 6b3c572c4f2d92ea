/**
 * Issue 14: budgets a provider cannot be talked out of. A client that opens many streams to a
 * destination that never reads, pushes DATA past every window, opens streams before paying or beyond
 * the per-session limit, or aims at the exit's own loopback through another spelling — against a real
 * provider process, whose resident memory is measured. An honest client still works afterwards.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LocalAccount } from 'viem';
import { SESSION_RECEIVE_BUFFER_BYTES } from '../../../src/session/limits.ts';
import { MAX_STREAMS_PER_SESSION, SocksReply } from '../../../src/tunnel/constants.ts';
import { OpenError } from '../../../src/tunnel/errors.ts';
import { type AdversaryBench, CREDIT, startAdversaryBench } from '../../support/adversary.ts';
import { closedWithin, rawOpenAndPush, sendVoucher, writeUntilBlocked } from '../../support/attackerSession.ts';

/** Memory the provider may grow by under one attack: its receive budget for the sessions involved, plus
 * the slack of a garbage-collected process (buffers freed late, sockets). */
const RSS_SLACK_KIB = 96 * 1024;

describe('nothing for free: resource budgets', { timeout: 300_000 }, () => {
  let bench: AdversaryBench;
  let attacker: LocalAccount;

  before(async () => {
    bench = await startAdversaryBench('resources');
    attacker = await bench.account(1);
  });
  after(async () => {
    await bench?.stop();
  });

  const paidSession = async () => {
    const channelId = await bench.openChannel(attacker);
    const { session } = await bench.session({ payer: attacker, channelId });
    await sendVoucher(session.exit, attacker, bench.domain, channelId, 0n);
    return { session, channelId };
  };

  it('an OPEN before the opening voucher ends the session; the destination is never reached', async () => {
    const channelId = await bench.openChannel(attacker);
    const { session } = await bench.session({ payer: attacker, channelId });
    const sunk = bench.origins.sunk();
    rawOpenAndPush(session.exit, 1, bench.origins.sink, 64 * 1024);
    assert.notEqual(await closedWithin(session.exit, 5_000), 'open');
    await sleep(200);
    assert.equal(bench.origins.sunk(), sunk);
    assert.ok(((await bench.provider.errors()).SESSION_OPEN_BEFORE_PAYMENT ?? 0) >= 1);
  });

  it('DATA past the session window ends the session (TUNNEL_MUX_PROTOCOL): 4 MiB raw per stream gets nowhere', async () => {
    const { session } = await paidSession();
    const rss = bench.provider.rssKiB();
    for (let id = 1; id < 2 * 16; id += 2) rawOpenAndPush(session.exit, id, bench.origins.stall, 4 * 1024 * 1024);
    assert.notEqual(await closedWithin(session.exit, 5_000), 'open');
    const grew = bench.provider.rssKiB() - rss;
    assert.ok(grew < RSS_SLACK_KIB, `provider RSS grew ${grew} KiB`);
  });

  it('128 streams to a destination that never reads, each written to its window: memory stays in budget', async () => {
    const rss = bench.provider.rssKiB();
    const sessions = [];
    let offered = 0;
    for (let s = 0; s < 2; s++) {
      const { session } = await paidSession();
      sessions.push(session);
      const streams = await Promise.all(
        Array.from({ length: 64 }, () =>
          session.openStream({ host: '127.0.0.1', port: bench.origins.stall }, { early: true }),
        ),
      );
      offered += (await Promise.all(streams.map((st) => writeUntilBlocked(st, 300, 4 * 1024 * 1024)))).reduce(
        (a, b) => a + b,
        0,
      );
    }
    await sleep(300);
    const grew = bench.provider.rssKiB() - rss;
    const budgetKiB = (2 * SESSION_RECEIVE_BUFFER_BYTES) / 1024;
    assert.ok(grew < budgetKiB + RSS_SLACK_KIB, `provider RSS grew ${grew} KiB for ${offered} bytes offered`);
    for (const session of sessions) session.close();
  });

  it(`more than ${MAX_STREAMS_PER_SESSION} streams: the extra OPENs are refused, the session goes on`, async () => {
    const { session } = await paidSession();
    const results = await Promise.allSettled(
      Array.from({ length: MAX_STREAMS_PER_SESSION + 8 }, () =>
        session.openStream({ host: '127.0.0.1', port: bench.origins.stall }),
      ),
    );
    const refused = results.filter((r) => r.status === 'rejected' && r.reason instanceof OpenError).length;
    assert.ok(refused >= 8, `${refused} OPENs refused`);
    assert.equal(session.exit.closed, false, 'the session survives');
    session.close();
  });

  it('loopback spelt as IPv6 (mapped, compatible, NAT64, 6to4) is refused even by a devnet exit', async () => {
    const { session } = await paidSession();
    for (const host of ['::ffff:127.0.0.1', '::127.0.0.1', '64:ff9b::7f00:1', '2002:7f00:1::1']) {
      await assert.rejects(
        session.openStream({ host, port: bench.origins.sink }),
        (e) => e instanceof OpenError && (e.meta as { reply: number }).reply === SocksReply.notAllowedByRuleset,
        host,
      );
    }
    session.close();
  });

  it('an honest client is still served', async () => {
    const size = 2 * CREDIT;
    assert.ok((await bench.honestDownload(size)) >= size);
  });
});
