/**
 * Issue 14: session proposals a provider must refuse before any byte — foreign channels, forged,
 * replayed, expired or misdirected signatures, closing/settled/underfunded channels, wrong terms, a
 * flood from one peer, slow and oversize proposals — against a real provider process. Each case
 * asserts the refusal code the client sees; the last one that an honest client still gets served.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { peerIdFromString } from '@libp2p/peer-id';
import type { LocalAccount } from 'viem';
import { startCloseChannel } from '../../../src/chain/actions/startCloseChannel.ts';
import { createChainClient } from '../../../src/chain/chainClient.ts';
import { SESSION_PROTOCOL } from '../../../src/net/constants.ts';
import { newSessionNonce } from '../../../src/net/proposeSession.ts';
import { connectClientSession } from '../../../src/tunnel/connectClientSession.ts';
import { generateStaticKeyPair } from '../../../src/tunnel/x25519.ts';
import { type AdversaryBench, CREDIT, PRICE, startAdversaryBench } from '../../support/adversary.ts';
import { closedWithin } from '../../support/attackerSession.ts';

describe('nothing for free: proposals', { timeout: 300_000 }, () => {
  let bench: AdversaryBench;
  let attacker: LocalAccount;
  let victim: LocalAccount;
  let victimChannel: `0x${string}`;
  let ownChannel: `0x${string}`;

  before(async () => {
    bench = await startAdversaryBench('proposals');
    attacker = await bench.account(1);
    victim = await bench.account(3);
    victimChannel = await bench.openChannel(victim);
    ownChannel = await bench.openChannel(attacker);
  });
  after(async () => {
    await bench?.stop();
  });

  const refusal = async (o: Parameters<AdversaryBench['propose']>[0]) => {
    const { answer } = await bench.propose(o);
    return answer.ok ? 'ACCEPTED' : answer.code;
  };

  it('someone else’s channel, naming its payer, signed by the attacker: PROPOSAL_BAD_SIGNATURE', async () => {
    assert.equal(
      await refusal({ payer: victim, signer: attacker, channelId: victimChannel }),
      'PROPOSAL_BAD_SIGNATURE',
    );
  });

  it('someone else’s channel, naming the attacker as payer: WRONG_PAYER', async () => {
    assert.equal(await refusal({ payer: attacker, channelId: victimChannel }), 'WRONG_PAYER');
  });

  it('a signature for another provider: PROPOSAL_BAD_SIGNATURE', async () => {
    const other = (await bench.account(4)).address;
    assert.equal(
      await refusal({ payer: attacker, channelId: ownChannel, signProvider: other }),
      'PROPOSAL_BAD_SIGNATURE',
    );
  });

  it('a signature for another chain or contract: PROPOSAL_BAD_SIGNATURE', async () => {
    for (const signDomain of [
      { ...bench.domain, chainId: bench.domain.chainId + 1 },
      { ...bench.domain, channels: '0x000000000000000000000000000000000000dEaD' as const },
    ])
      assert.equal(await refusal({ payer: attacker, channelId: ownChannel, signDomain }), 'PROPOSAL_BAD_SIGNATURE');
  });

  it('the same signed proposal twice: PROPOSAL_REPLAYED', async () => {
    const nonce = newSessionNonce();
    const keys = generateStaticKeyPair();
    const expiry = Math.floor(Date.now() / 1000) + 60;
    assert.equal(await refusal({ payer: attacker, channelId: ownChannel, nonce, keys, expiry }), 'ACCEPTED');
    assert.equal(await refusal({ payer: attacker, channelId: ownChannel, nonce, keys, expiry }), 'PROPOSAL_REPLAYED');
  });

  it('an expired proposal, and one that claims to live too long: PROPOSAL_EXPIRED', async () => {
    const now = Math.floor(Date.now() / 1000);
    assert.equal(await refusal({ payer: attacker, channelId: ownChannel, expiry: now - 1 }), 'PROPOSAL_EXPIRED');
    assert.equal(await refusal({ payer: attacker, channelId: ownChannel, expiry: now + 86_400 }), 'PROPOSAL_EXPIRED');
  });

  it('a channel that does not exist: UNKNOWN_CHANNEL', async () => {
    assert.equal(await refusal({ payer: attacker, channelId: `0x${'42'.repeat(32)}` }), 'UNKNOWN_CHANNEL');
  });

  it('another price, and a credit window out of range: WRONG_PRICE, CREDIT_OUT_OF_RANGE', async () => {
    assert.equal(await refusal({ payer: attacker, channelId: ownChannel, priceWeiPerGiB: PRICE / 2n }), 'WRONG_PRICE');
    assert.equal(await refusal({ payer: attacker, channelId: ownChannel, creditBytes: 1024 }), 'CREDIT_OUT_OF_RANGE');
    assert.equal(
      await refusal({ payer: attacker, channelId: ownChannel, creditBytes: 64 * 1024 * 1024 }),
      'CREDIT_OUT_OF_RANGE',
    );
  });

  it('a channel whose deposit is under one tick: CHANNEL_EXHAUSTED', async () => {
    const tiny = await bench.openChannel(attacker, 1_000n);
    assert.equal(await refusal({ payer: attacker, channelId: tiny }), 'CHANNEL_EXHAUSTED');
  });

  it('a closing channel: CHANNEL_CLOSING; a settled one: UNKNOWN_CHANNEL', async () => {
    const closing = await bench.openChannel(attacker);
    const client = createChainClient(bench.chain.anvil.rpcUrl, attacker);
    await startCloseChannel(client, { deployment: bench.chain.deployment, channelId: closing });
    assert.equal(await refusal({ payer: attacker, channelId: closing }), 'CHANNEL_CLOSING');
  });

  it('a tunnel key other than the signed one gets no session (the handshake is refused)', async () => {
    const { answer } = await bench.propose({ payer: attacker, channelId: ownChannel });
    assert.ok(answer.ok);
    await assert.rejects(
      connectClientSession({
        hops: [
          {
            host: answer.tunnel.host,
            port: answer.tunnel.port,
            publicKey: Buffer.from(answer.tunnel.publicKey, 'base64'),
            staticKeys: generateStaticKeyPair(),
          },
        ],
      }).then(async (s) => {
        // The provider closes an unauthorised channel right after the handshake.
        if ((await closedWithin(s.exit, 3_000)) === 'open') return s;
        throw new Error('closed');
      }),
    );
  });

  it('more sessions than a payer may hold: PAYER_SESSION_LIMIT', async () => {
    const payer = await bench.account(6);
    const channels: `0x${string}`[] = [];
    for (let i = 0; i < 5; i++) channels.push(await bench.openChannel(payer));
    const codes = [];
    for (const channelId of channels) codes.push(await refusal({ payer, channelId }));
    assert.deepEqual(codes.slice(0, 4), ['ACCEPTED', 'ACCEPTED', 'ACCEPTED', 'ACCEPTED']);
    assert.equal(codes[4], 'PAYER_SESSION_LIMIT');
  });

  it('a flood of proposals from one peer: refused as PROPOSAL_RATE_LIMITED after the burst', async () => {
    await sleep(5_000); // a full bucket
    const codes = [];
    for (let i = 0; i < 20; i++)
      codes.push(await refusal({ payer: victim, signer: attacker, channelId: victimChannel, noRetry: true }));
    assert.ok(codes.includes('PROPOSAL_RATE_LIMITED'), codes.join(','));
    assert.ok(codes.filter((c) => c === 'PROPOSAL_BAD_SIGNATURE').length <= 10, 'the burst is bounded');
  });

  it('slow and oversize proposal streams do not stop the provider answering others', async () => {
    const peer = peerIdFromString(bench.provider.peerId);
    // Half a frame, then nothing (slowloris), and a header announcing 2 GiB.
    const slow = await bench.node.dialProtocol(peer, SESSION_PROTOCOL);
    slow.send(Uint8Array.of(0, 0, 1));
    const huge = await bench.node.dialProtocol(peer, SESSION_PROTOCOL);
    huge.send(Uint8Array.of(0x7f, 0xff, 0xff, 0xff));
    await sleep(1_500);
    const { answer } = await bench.propose({
      payer: attacker,
      channelId: await bench.openChannel(await bench.account(5)),
      signer: undefined,
    });
    assert.equal(answer.ok ? 'ACCEPTED' : answer.code, 'WRONG_PAYER', 'still answering while they hang');
    slow.abort(new Error('done'));
    huge.abort(new Error('done'));
  });

  it('an honest client is still served', async () => {
    await sleep(1_000);
    const size = 2 * CREDIT;
    assert.ok((await bench.honestDownload(size)) >= size);
  });
});
