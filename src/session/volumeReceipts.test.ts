/**
 * Volume receipts on a real tunnel (sockets, Noise, mux, real SQLite): the client's `signReceipts` with a
 * VolumeLedger domain sends one before its final checkpoint and the provider's `acceptVolumeReceipts` keeps it;
 * a client sending a receipt above its deposit, or with a key registration some other key signed, has it
 * dropped while the session goes on.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { type Hex, parseUnits } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { PayeeChannel } from '../accounting/PayeeChannel.ts';
import { PayerChannel } from '../accounting/PayerChannel.ts';
import { sessionIdOf } from '../accounting/receipt.ts';
import { registerChannelKeyTypes, volumeDomain } from '../chain/typedData.ts';
import { ChannelStore } from '../store/ChannelStore.ts';
import { openDatabase } from '../store/openDatabase.ts';
import { ReceiptStore } from '../store/ReceiptStore.ts';
import { VolumeReceiptStore } from '../store/VolumeReceiptStore.ts';
import { connectClientSession } from '../tunnel/connectClientSession.ts';
import { createExitPolicy } from '../tunnel/exitPolicy.ts';
import { startTunnelListener } from '../tunnel/startTunnelListener.ts';
import { generateStaticKeyPair } from '../tunnel/x25519.ts';
import { deriveVolumeKey } from '../volume/volumeKeys.ts';
import { isVolumeReceiptSignedBy, signVolumeReceipt } from '../volume/volumeReceipt.ts';
import { encodeVolumeReceiptMessage } from '../volume/volumeReceiptMessage.ts';
import { acceptVolumeReceipts } from './acceptVolumeReceipts.ts';
import { chargeSession } from './chargeSession.ts';
import { countersignReceipts } from './countersignReceipts.ts';
import { payHop } from './payHop.ts';
import { signReceipts } from './signReceipts.ts';

const payerAccount = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d');
const providerAccount = privateKeyToAccount('0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a');
const stranger = privateKeyToAccount('0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6');
const channels = { chainId: 31337, channels: '0x5FbDB2315678afecb367f032d93F642f64180aa3' as const };
const registry = { chainId: 31337, registry: '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512' as const };
const volume = { chainId: 31337, ledger: '0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0' as const, epochLengthSec: 600n };
const price = parseUnits('100', 18);
const deposit = parseUnits('1000', 18);
const CREDIT = 1024 * 1024;

const closers: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const close of closers) await close();
});

async function startPair() {
  const channelId = `0x${Buffer.from(generateStaticKeyPair().publicKey).toString('hex')}` as Hex;
  const sessionId = sessionIdOf(channelId, `0x${'01'.repeat(32)}`);
  const db = openDatabase({ file: join(mkdtempSync(join(tmpdir(), 'bandex-volume-session-')), 'state.db') });
  const channelStore = new ChannelStore(db);
  channelStore.saveChannel({
    channelId,
    role: 'payee',
    chainId: channels.chainId,
    contract: channels.channels,
    payer: payerAccount.address,
    payee: providerAccount.address,
    deposit,
  });
  const volumeStore = new VolumeReceiptStore(db);
  const staticKeys = generateStaticKeyPair();
  const listener = await startTunnelListener({
    staticKeys,
    policy: createExitPolicy({ devnet: true }),
    onSession: (session) => {
      const payee = new PayeeChannel({
        domain: channels,
        channelId,
        payer: payerAccount.address,
        deposit,
        priceWeiPerGiB: price,
        creditBytes: CREDIT,
      });
      chargeSession({ session, payee, store: channelStore, creditBytes: CREDIT });
      countersignReceipts({
        session,
        payee,
        account: providerAccount,
        domain: registry,
        sessionId,
        store: new ReceiptStore(db),
      });
      acceptVolumeReceipts({ session, payee, provider: providerAccount.address, volume, store: volumeStore });
    },
  });
  closers.push(() => listener.close());
  const client = await connectClientSession({
    hops: [{ host: listener.address.host, port: listener.address.port, publicKey: staticKeys.publicKey }],
  });
  closers.push(() => client.close());
  const payer = new PayerChannel({
    account: payerAccount,
    domain: channels,
    channelId,
    deposit,
    alreadyPromised: 0n,
    priceWeiPerGiB: price,
  });
  const paid = await payHop({ session: client.exit, payer, creditBytes: CREDIT });
  const receipts = signReceipts({
    session: client.exit,
    paid,
    account: payerAccount,
    domain: registry,
    sessionId,
    channelId,
    provider: providerAccount.address,
    volume: { ...volume, priorBytes: 1000n },
  });
  return { channelId, client, paid, receipts, volumeStore };
}

async function download(client: Awaited<ReturnType<typeof connectClientSession>>, size: number): Promise<void> {
  const server = createServer((socket) => {
    socket.on('error', () => {});
    socket.end(Buffer.alloc(size, 7));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  closers.push(() => void server.close());
  const stream = await client.openStream({ host: '127.0.0.1', port: (server.address() as { port: number }).port });
  stream.end();
  stream.resume();
  await once(stream, 'close');
}

describe('volume receipts on a real tunnel', { timeout: 60_000 }, () => {
  it('the client sends one before its final receipt; the provider keeps it, valid for the claim', async () => {
    const pair = await startPair();
    await download(pair.client, 2 * 1024 * 1024);
    await pair.receipts.finish();
    const held = pair.volumeStore.get(pair.channelId);
    assert.ok(held, 'the provider holds the volume receipt');
    const key = await deriveVolumeKey(payerAccount);
    assert.deepEqual(held.channel.key, key.publicKey);
    assert.equal(held.receipt.value, pair.paid.payer.promised);
    assert.ok(
      held.receipt.bytes >= 1000n + 2n * 1024n * 1024n,
      `bytes ${held.receipt.bytes} include the earlier sessions`,
    );
    assert.equal(held.receipt.epoch, BigInt(Math.floor(Date.now() / 1000)) / volume.epochLengthSec);
    assert.equal(isVolumeReceiptSignedBy(held.receipt, held.channel.key), true);
    assert.equal(held.payer, payerAccount.address.toLowerCase());
  });

  it('drops a receipt above the deposit or registered by another key; the session goes on', async () => {
    const pair = await startPair();
    const key = await deriveVolumeKey(payerAccount);
    const epoch = BigInt(Math.floor(Date.now() / 1000)) / volume.epochLengthSec;
    const register = (signer: typeof payerAccount) =>
      signer.signTypedData({
        domain: volumeDomain(volume.chainId, volume.ledger),
        types: registerChannelKeyTypes,
        primaryType: 'RegisterChannelKey',
        message: { channelId: pair.channelId, pubX: key.publicKey.x, pubY: key.publicKey.y },
      });
    const over = signVolumeReceipt(key.privateKey, {
      channelId: pair.channelId,
      epoch,
      bytes: 1n,
      value: deposit + 1n,
    });
    pair.client.exit.sendPayment(
      encodeVolumeReceiptMessage({
        receipt: over,
        key: key.publicKey,
        registrationSignature: await register(payerAccount),
      }),
    );
    const forged = signVolumeReceipt(key.privateKey, { channelId: pair.channelId, epoch, bytes: 2n ** 40n, value: 1n });
    pair.client.exit.sendPayment(
      encodeVolumeReceiptMessage({
        receipt: forged,
        key: key.publicKey,
        registrationSignature: await register(stranger),
      }),
    );
    const honest = signVolumeReceipt(key.privateKey, { channelId: pair.channelId, epoch, bytes: 5n, value: 0n });
    pair.client.exit.sendPayment(
      encodeVolumeReceiptMessage({
        receipt: honest,
        key: key.publicKey,
        registrationSignature: await register(payerAccount),
      }),
    );
    await pair.receipts.checkpoint(); // answered after the three were judged: they arrived first
    assert.deepEqual(pair.volumeStore.get(pair.channelId)?.receipt, honest, 'only the honest one is kept');
    assert.equal(pair.client.exit.closed, false, 'the session goes on');
  });
});
