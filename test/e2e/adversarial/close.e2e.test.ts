/**
 * Issue 18, "refunds in seconds", from the attacker's side: a client asks the provider, inside its session,
 * to co-sign a cooperative close (`session/requestCooperativeClose`, the real client code, given the
 * attacker's numbers). Against a real provider process on a real chain: a close for less than the provider's
 * claim, for another channel, or signed by another key gets no signature and leaves the channel open with its
 * claim; the honest close is co-signed, lands at once and refunds the rest; the channel then takes no new
 * session, also across a provider SIGKILL right after it co-signed; a malformed close ends the session.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Hex, LocalAccount } from 'viem';
import { CLOSE_MESSAGE } from '../../../src/accounting/closeMessage.ts';
import { encodePayment } from '../../../src/accounting/messages.ts';
import type { PayerChannel } from '../../../src/accounting/PayerChannel.ts';
import { paymentChannelsAbi } from '../../../src/chain/abi/paymentChannels.ts';
import { getChannel, isChannelGone } from '../../../src/chain/actions/getChannel.ts';
import { type ChainClient, createChainClient } from '../../../src/chain/chainClient.ts';
import type { Deployment } from '../../../src/chain/deployment.ts';
import { requestCooperativeClose } from '../../../src/session/requestCooperativeClose.ts';
import type { ClientSession } from '../../../src/tunnel/connectClientSession.ts';
import { type AdversaryBench, CREDIT, DEPOSIT, startAdversaryBench } from '../../support/adversary.ts';
import { closedWithin } from '../../support/attackerSession.ts';
import { payDelivered } from '../../support/payments.ts';

describe('cooperative close: the provider co-signs only what it is owed', { timeout: 300_000 }, () => {
  let bench: AdversaryBench;
  let attacker: LocalAccount;
  let reader: ChainClient;
  let deployment: Deployment;

  before(async () => {
    bench = await startAdversaryBench('close');
    attacker = await bench.account(1);
    reader = createChainClient(bench.chain.anvil.rpcUrl, attacker);
    deployment = bench.chain.deployment;
  });
  after(async () => {
    await bench?.stop();
  });

  /** A session on a new channel that downloads two credit windows and pays for every byte it got. */
  const paidSession = async (): Promise<{ channelId: Hex; session: ClientSession; payer: PayerChannel }> => {
    const channelId = await bench.openChannel(attacker);
    const { session } = await bench.session({ payer: attacker, channelId });
    const payer = bench.payer(attacker, channelId);
    session.exit.sendPayment(encodePayment({ kind: 'voucher', signed: await payer.open() }));
    const stream = await session.openStream({ host: '127.0.0.1', port: bench.origins.download });
    let got = 0;
    stream.on('data', (d: Buffer) => {
      got += d.length;
    });
    const pay = async () => {
      for (const p of await payDelivered(payer, got - payer.bytesDelivered, 64))
        session.exit.sendPayment(encodePayment(p));
    };
    while (got < 2 * CREDIT) {
      await sleep(20);
      await pay();
    }
    stream.destroy();
    await sleep(300);
    await pay();
    await sleep(300); // the provider has taken every payment: its claim is what was promised
    return { channelId, session, payer };
  };

  const ask = (session: ClientSession, channelId: Hex, amount: bigint, account = attacker) =>
    requestCooperativeClose({
      session: session.exit,
      account,
      domain: bench.domain,
      channelId,
      amount,
      payee: bench.provider.address,
    });

  const waitGone = async (channelId: Hex, ms = 20_000) => {
    const deadline = Date.now() + ms;
    while (!isChannelGone(await getChannel(reader, { deployment: deployment, channelId }))) {
      if (Date.now() > deadline) return false;
      await sleep(250);
    }
    return true;
  };

  it('below the claim, for another channel, or signed by another key: refused; the channel stays open with its claim', async () => {
    const { channelId, session, payer } = await paidSession();
    const promised = payer.promised;
    assert.equal(bench.claim(channelId).value, promised, 'the provider holds a claim of everything promised');

    const low = await ask(session, channelId, promised - payer.tickValue);
    assert.equal(low.ok, false);
    assert.match(low.ok ? '' : low.reason, new RegExp(`claim of ${promised}`), 'the refusal names the claim');

    const other = await bench.openChannel(attacker);
    const elsewhere = await ask(session, other, 0n);
    assert.equal(elsewhere.ok, false, 'a close of another channel, asked on this session, is not signed');

    const stranger = await bench.account(3);
    const forged = await ask(session, channelId, 0n, stranger);
    assert.equal(forged.ok, false, 'a close signed by another key than the payer is not signed');

    const onChain = await getChannel(reader, { deployment: deployment, channelId });
    assert.equal(onChain.closesAt, 0n);
    assert.ok(!isChannelGone(onChain), 'the channel is still open');
    assert.ok(!isChannelGone(await getChannel(reader, { deployment: deployment, channelId: other })));
    assert.equal(bench.claim(channelId).value, promised, 'and the claim is intact');
    assert.equal(await closedWithin(session.exit, 200), 'open', 'refusals do not end the session');
    session.close();
  });

  it('the honest close is co-signed and on chain within seconds: paid what was promised, the rest refunded; no session after', async () => {
    const { channelId, session, payer } = await paidSession();
    const fromBlock = await reader.getBlockNumber();
    const outcome = await ask(session, channelId, payer.promised);
    assert.ok(outcome.ok, outcome.ok ? '' : outcome.reason);
    session.close();
    assert.ok(await waitGone(channelId), 'the provider submitted the close');
    const [event] = await reader.getContractEvents({
      address: deployment.contracts.channels,
      abi: paymentChannelsAbi,
      eventName: 'ChannelClosed',
      args: { channelId },
      fromBlock,
    });
    assert.ok(event);
    assert.equal(event.args.redeemed, payer.promised);
    assert.equal(event.args.refund, DEPOSIT - payer.promised);
    const again = await bench.propose({ payer: attacker, channelId, noRetry: true });
    assert.equal(again.answer.ok, false, 'a closed channel takes no new session');
  });

  it('a provider killed right after co-signing submits on restart; the channel takes no new session meanwhile', async () => {
    const { channelId, session, payer } = await paidSession();
    const outcome = await ask(session, channelId, payer.promised);
    assert.ok(outcome.ok);
    await bench.provider.killAndRestart();
    const again = await bench.propose({ payer: attacker, channelId, noRetry: true });
    assert.equal(again.answer.ok, false, 'no new credit on a channel whose close was co-signed');
    assert.ok(await waitGone(channelId), 'the co-signed close is on chain after the restart');
  });

  it('a malformed close message ends the session', async () => {
    const { session } = await paidSession();
    const before = await bench.provider.errors();
    session.exit.sendPayment(Buffer.of(CLOSE_MESSAGE, 1, 2, 3));
    assert.notEqual(await closedWithin(session.exit, 5_000), 'open');
    const errors = await bench.provider.errors();
    assert.equal((errors.MESSAGE_MALFORMED ?? 0) - (before.MESSAGE_MALFORMED ?? 0), 1);
  });
});
