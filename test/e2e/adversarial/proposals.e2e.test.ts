/**
 * Issue 14 and 17: session proposals a provider must refuse before any byte — foreign channels, forged,
 * replayed, expired or misdirected signatures, closing/settled/underfunded channels, wrong terms, a
 * flood from one source, slow, oversize and garbage handshakes, a flood of half-open handshakes — and
 * what a relaying hop (hop k-1) can do to the proposal it carries for hop k: read it (ciphertext only),
 * alter it (the handshake fails), replay it (refused; the original session is untouched). Against a
 * real provider process; each case asserts the refusal code the client sees or the closed connection;
 * the last one that an honest client still gets served.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LocalAccount } from 'viem';
import { startCloseChannel } from '../../../src/chain/actions/startCloseChannel.ts';
import { createChainClient } from '../../../src/chain/chainClient.ts';
import { newSessionNonce } from '../../../src/net/sessionMessages.ts';
import { PROPOSAL_BURST, PROPOSALS_PER_SOURCE_PER_SECOND } from '../../../src/provider/limits.ts';
import { MAX_PENDING_HANDSHAKES_PER_SOURCE } from '../../../src/tunnel/startTunnelListener.ts';
import { generateStaticKeyPair } from '../../../src/tunnel/x25519.ts';
import { type AdversaryBench, CREDIT, PRICE, startAdversaryBench } from '../../support/adversary.ts';

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

  it('a handshake with another tunnel key than the signed one: TUNNEL_KEY_MISMATCH', async () => {
    const { answer, session } = await bench.propose({
      payer: attacker,
      channelId: ownChannel,
      handshakeKeys: generateStaticKeyPair(),
    });
    assert.equal(answer.ok ? 'ACCEPTED' : answer.code, 'TUNNEL_KEY_MISMATCH');
    assert.equal(session, undefined);
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

  it('a flood of proposals from one source: refused as PROPOSAL_RATE_LIMITED after the burst', async () => {
    await sleep(PROPOSAL_BURST * (1_000 / PROPOSALS_PER_SOURCE_PER_SECOND) + 500); // a full bucket
    const codes = [];
    const started = performance.now();
    for (let i = 0; i < 3 * PROPOSAL_BURST; i++)
      codes.push(await refusal({ payer: victim, signer: attacker, channelId: victimChannel, noRetry: true }));
    const seconds = (performance.now() - started) / 1_000;
    assert.ok(codes.includes('PROPOSAL_RATE_LIMITED'), codes.join(','));
    // Checked: at most the burst and what the bucket refilled meanwhile.
    const checked = codes.filter((c) => c === 'PROPOSAL_BAD_SIGNATURE').length;
    assert.ok(checked <= PROPOSAL_BURST + Math.ceil(seconds * PROPOSALS_PER_SOURCE_PER_SECOND), `${checked} checked`);
  });

  it('slow, oversize and garbage handshakes are closed and do not stop the provider answering others', async () => {
    const { host, port } = bench.provider.tunnel;
    const dial = async () => {
      const socket = connect({ host, port });
      socket.on('error', () => {});
      await once(socket, 'connect');
      return socket;
    };
    // Half a message 1, then nothing (slowloris); a length over the largest message 1; garbage.
    const slow = await dial();
    slow.write(Buffer.from([0, 200, 1, 2, 3]));
    const huge = await dial();
    huge.write(Buffer.from([0xff, 0xff, ...Buffer.alloc(64)]));
    const garbage = await dial();
    garbage.write(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    await Promise.all([once(huge, 'close'), once(garbage, 'close')]);
    const { answer } = await bench.propose({
      payer: attacker,
      channelId: await bench.openChannel(await bench.account(5)),
    });
    assert.equal(answer.ok ? 'ACCEPTED' : answer.code, 'WRONG_PAYER', 'still answering while one hangs');
    await once(slow, 'close'); // at the handshake deadline
  });

  it('a flood of half-open handshakes from one source is bounded; the provider still answers', async () => {
    const { host, port } = bench.provider.tunnel;
    const n = MAX_PENDING_HANDSHAKES_PER_SOURCE + 8;
    const sockets: Socket[] = [];
    const closed: Promise<unknown>[] = [];
    for (let i = 0; i < n; i++) {
      const socket = connect({ host, port });
      socket.on('error', () => {});
      closed.push(once(socket, 'close'));
      sockets.push(socket);
    }
    // The ones over the bound are closed at once, unread; the others wait out the handshake deadline.
    let closedCount = 0;
    await new Promise<void>((resolve) => {
      for (const c of closed)
        void c.then(() => {
          if (++closedCount === n - MAX_PENDING_HANDSHAKES_PER_SOURCE) resolve();
        });
    });
    const open = sockets.filter((socket) => !socket.destroyed).length;
    assert.equal(open, MAX_PENDING_HANDSHAKES_PER_SOURCE, 'exactly the bound is held open');
    for (const socket of sockets) socket.destroy();
    await Promise.all(closed);
    const { answer } = await bench.propose({ payer: attacker, channelId: ownChannel });
    assert.equal(answer.ok, true, answer.ok ? '' : answer.code);
  });

  it('hop k-1 relaying the handshake sees only ciphertext, cannot alter it, and a replay is refused', async () => {
    // The attacker is the relay: a TCP proxy in front of the provider's tunnel port that records what
    // it carries, and on request flips a byte of message 1.
    const { host, port } = bench.provider.tunnel;
    let tamper = false;
    const recorded: Buffer[] = [];
    const relay = createServer((inbound) => {
      inbound.on('error', () => {});
      const outbound = connect({ host, port });
      outbound.on('error', () => {});
      let first = true;
      inbound.on('data', (chunk: Buffer) => {
        let bytes = Buffer.from(chunk);
        if (first) {
          first = false;
          recorded.push(bytes);
          if (tamper) {
            bytes = Buffer.from(bytes);
            bytes[bytes.length - 20] = (bytes[bytes.length - 20] as number) ^ 1;
          }
        }
        outbound.write(bytes);
      });
      outbound.on('data', (chunk) => inbound.write(chunk));
      inbound.on('close', () => outbound.destroy());
      outbound.on('close', () => inbound.destroy());
    });
    relay.listen(0, '127.0.0.1');
    await once(relay, 'listening');
    const relayPort = (relay.address() as { port: number }).port;
    const realTunnel = { ...bench.provider.tunnel };
    bench.provider.tunnel = { host: '127.0.0.1', port: relayPort };
    try {
      const channelId = await bench.openChannel(attacker);
      const { answer, session } = await bench.propose({ payer: attacker, channelId });
      assert.ok(answer.ok && session, 'accepted through the relay');
      // 1. What the relay carried: no field of the proposal in clear.
      const message1 = recorded.at(-1) as Buffer;
      for (const clear of [attacker.address.slice(2).toLowerCase(), attacker.address.slice(2), channelId.slice(2)])
        assert.equal(message1.toString('latin1').indexOf(clear), -1, `${clear} is not in the relayed bytes`);
      assert.equal(message1.indexOf(Buffer.from(channelId.slice(2), 'hex')), -1, 'nor the channel id in binary');
      // 2. A replay of the same message 1 by the relay: refused (nonce seen) and closed; the original
      // session is not superseded by it.
      const replay = connect({ host: realTunnel.host, port: realTunnel.port });
      replay.on('error', () => {});
      replay.resume(); // what comes back is the client's to read, not the relay's: discarded
      await once(replay, 'connect');
      replay.write(message1);
      await once(replay, 'close');
      // A round trip on the original after the replay was answered: a superseded session would be closed.
      assert.notEqual(await session.exit.ping(5_000), undefined, 'the original session still answers');
      assert.equal(session.exit.closed, false, 'the original session lives on');
      session.close();
      // 3. A tampered message 1: the handshake fails, nothing is answered.
      tamper = true;
      await assert.rejects(bench.propose({ payer: attacker, channelId: await bench.openChannel(attacker) }));
    } finally {
      bench.provider.tunnel = realTunnel;
      relay.close();
    }
  });

  it('an honest client is still served', async () => {
    await sleep(1_000);
    const size = 2 * CREDIT;
    assert.ok((await bench.honestDownload(size)) >= size);
  });
});
