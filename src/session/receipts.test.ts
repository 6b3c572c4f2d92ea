/**
 * Session receipts on a real tunnel (sockets, Noise, mux), real EIP-712 signatures and real SQLite stores —
 * no chain needed: the provider side is `chargeSession` + `countersignReceipts`, the client side `payHop` +
 * `signReceipts`, with checkpoints every 512 KiB so a few MiB make several.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { type Hex, parseUnits } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { RECEIPT_BURST } from '../accounting/constants.ts';
import { PayeeChannel } from '../accounting/PayeeChannel.ts';
import { PayerChannel } from '../accounting/PayerChannel.ts';
import { checkpointIdOf, isReceiptSignedBy, sessionIdOf, signReceipt } from '../accounting/receipt.ts';
import { encodeReceiptMessage, isReceiptMessage } from '../accounting/receiptMessages.ts';
import { hasErrorCode } from '../errors/BaseError.ts';
import { ChannelStore } from '../store/ChannelStore.ts';
import { openDatabase } from '../store/openDatabase.ts';
import { ReceiptStore } from '../store/ReceiptStore.ts';
import { connectClientSession } from '../tunnel/connectClientSession.ts';
import { createExitPolicy } from '../tunnel/exitPolicy.ts';
import type { MuxSession } from '../tunnel/MuxSession.ts';
import { startTunnelListener } from '../tunnel/startTunnelListener.ts';
import { generateStaticKeyPair } from '../tunnel/x25519.ts';
import { chargeSession } from './chargeSession.ts';
import { countersignReceipts } from './countersignReceipts.ts';
import { payHop } from './payHop.ts';
import { signReceipts } from './signReceipts.ts';

const payerAccount = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d');
const providerAccount = privateKeyToAccount('0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a');
const channels = { chainId: 31337, channels: '0x5FbDB2315678afecb367f032d93F642f64180aa3' as const };
const registry = { chainId: 31337, registry: '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512' as const };
const price = parseUnits('100', 18);
const deposit = parseUnits('1000', 18);
const CREDIT = 1024 * 1024;
const EVERY = 512 * 1024;

const closers: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const close of closers) await close();
});

async function startSource(size: number): Promise<Server & { port: number }> {
  const server = createServer((socket) => {
    socket.on('error', () => {});
    socket.end(Buffer.alloc(size, 7));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  closers.push(() => void server.close());
  return Object.assign(server, { port: (server.address() as { port: number }).port });
}

async function drain(stream: Readable): Promise<number> {
  let n = 0;
  stream.on('data', (c: Buffer) => {
    n += c.length;
  });
  await once(stream, 'close');
  return n;
}

/** A provider (charging and countersigning) and a connected, paying client, each with its own SQLite file. */
/** `signer`: the key the provider side countersigns with (another than the registered provider's: a forgery). */
async function startPair(maxUncoveredBytes: number, signer = providerAccount) {
  const channelId = `0x${Buffer.from(generateStaticKeyPair().publicKey).toString('hex')}` as Hex;
  const sessionId = sessionIdOf(channelId, `0x${'01'.repeat(32)}`);
  const file = () => join(mkdtempSync(join(tmpdir(), 'bandex-receipts-')), 'state.db');
  const providerDb = openDatabase({ file: file() });
  const channelStore = new ChannelStore(providerDb);
  channelStore.saveChannel({
    channelId,
    role: 'payee',
    chainId: channels.chainId,
    contract: channels.channels,
    payer: payerAccount.address,
    payee: providerAccount.address,
    deposit,
  });
  const providerReceipts = new ReceiptStore(providerDb);
  const clientReceipts = new ReceiptStore(openDatabase({ file: file() }));
  const staticKeys = generateStaticKeyPair();
  let providerSession: MuxSession | undefined;
  const providerSide = new Promise<MuxSession>((resolve) => {
    void startTunnelListener({
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
          account: signer,
          domain: registry,
          sessionId,
          store: providerReceipts,
          maxUncoveredBytes,
        });
        providerSession = session;
        resolve(session);
      },
    }).then((listener) => {
      closers.push(() => listener.close());
      return connect(listener.address);
    });
  });
  let connectResolve: (c: Awaited<ReturnType<typeof connectClientSession>>) => void = () => {};
  const clientReady = new Promise<Awaited<ReturnType<typeof connectClientSession>>>((r) => {
    connectResolve = r;
  });
  const connect = async (address: { host: string; port: number }) =>
    connectResolve(
      await connectClientSession({
        hops: [{ host: address.host, port: address.port, publicKey: staticKeys.publicKey }],
      }),
    );
  const client = await clientReady;
  closers.push(() => client.close());
  await providerSide;
  const payer = new PayerChannel({
    account: payerAccount,
    domain: channels,
    channelId,
    deposit,
    alreadyPromised: 0n,
    priceWeiPerGiB: price,
  });
  const paid = await payHop({ session: client.exit, payer, creditBytes: CREDIT });
  return {
    channelId,
    sessionId,
    client,
    paid,
    providerReceipts,
    clientReceipts,
    provider: providerSession as MuxSession,
  };
}

describe('session receipts on a real tunnel', { timeout: 60_000 }, () => {
  it('checkpoints as bytes flow, on demand and at the end: both stores hold them in order, signatures verify', async () => {
    const size = 4 * 1024 * 1024;
    const source = await startSource(size);
    const pair = await startPair(64 * 1024 * 1024);
    const receipts = signReceipts({
      session: pair.client.exit,
      paid: pair.paid,
      account: payerAccount,
      domain: registry,
      sessionId: pair.sessionId,
      channelId: pair.channelId,
      provider: providerAccount.address,
      store: pair.clientReceipts,
      everyBytes: EVERY,
    });
    const stream = await pair.client.openStream({ host: '127.0.0.1', port: source.port });
    stream.end();
    assert.equal(await drain(stream), size);
    await receipts.checkpoint();
    await receipts.finish();
    const latest = pair.providerReceipts.latestFullySigned(pair.sessionId);
    assert.ok(latest);
    assert.deepEqual(pair.clientReceipts.latestFullySigned(pair.sessionId)?.receipt, latest.receipt);
    // At least one checkpoint the bytes triggered (512 KiB), the explicit one and the final one.
    assert.ok(latest.seq >= 2, `newest checkpoint ${latest.seq}`);
    assert.ok(latest.receipt.bytesDown >= BigInt(size));
    assert.equal(latest.receipt.amount, pair.paid.payer.promised);
    assert.equal(await isReceiptSignedBy(registry, latest.receipt, latest.clientSignature, payerAccount.address), true);
    assert.equal(
      await isReceiptSignedBy(registry, latest.receipt, latest.providerSignature, providerAccount.address),
      true,
    );
    const all = pair.providerReceipts.list({ session: pair.sessionId });
    assert.deepEqual(
      all.map((r) => r.seq),
      Array.from({ length: latest.seq + 1 }, (_, i) => latest.seq - i),
      'every checkpoint, in order, none skipped',
    );
    for (let i = 1; i < all.length; i++) {
      const newer = (all[i - 1] as (typeof all)[number]).receipt;
      const older = (all[i] as (typeof all)[number]).receipt;
      assert.ok(newer.bytesDown >= older.bytesDown && newer.amount >= older.amount, 'receipts are cumulative');
    }
  });

  it('a client that never signs receipts has its session ended past the uncovered bound (RECEIPT_MISSING)', async () => {
    const source = await startSource(8 * 1024 * 1024);
    const pair = await startPair(2 * 1024 * 1024);
    const closed = once(pair.provider, 'close');
    const stream = await pair.client.openStream({ host: '127.0.0.1', port: source.port });
    stream.end();
    stream.resume();
    const [error] = (await closed) as [Error | undefined];
    assert.ok(hasErrorCode(error, 'RECEIPT_MISSING'), String(error));
    assert.equal(pair.providerReceipts.latest(pair.sessionId), undefined);
  });

  it('a countersignature by another key than the provider ends the session (RECEIPT_BAD_SIGNATURE); the proposal stays', async () => {
    const forger = privateKeyToAccount('0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6');
    const pair = await startPair(64 * 1024 * 1024, forger);
    const receipts = signReceipts({
      session: pair.client.exit,
      paid: pair.paid,
      account: payerAccount,
      domain: registry,
      sessionId: pair.sessionId,
      channelId: pair.channelId,
      provider: providerAccount.address,
      store: pair.clientReceipts,
    });
    const closed = once(pair.client.exit, 'close');
    await receipts.checkpoint();
    const [error] = (await closed) as [Error | undefined];
    assert.ok(hasErrorCode(error, 'RECEIPT_BAD_SIGNATURE'), String(error));
    assert.equal(receipts.latest, undefined);
    const kept = pair.clientReceipts.latest(pair.sessionId);
    assert.equal(kept?.seq, 0, 'the client keeps its own signed proposal');
    assert.equal(kept?.providerSignature, undefined);
  });

  it('a client proposing receipts in a loop is ended after the burst (RECEIPT_FLOOD); the provider signed few', async () => {
    const pair = await startPair(64 * 1024 * 1024);
    const closed = once(pair.provider, 'close');
    // Well-formed, correctly signed proposals, each waiting for its answer, with no traffic between them.
    const answers: Buffer[] = [];
    pair.client.exit.on('payment', (payload: Buffer) => {
      if (isReceiptMessage(payload)) answers.push(payload);
    });
    const startTime = BigInt(Math.floor(Date.now() / 1000));
    let sent = 0;
    for (let seq = 0; seq < 40 && !pair.provider.closed; seq++) {
      const receipt = {
        sessionId: checkpointIdOf(pair.sessionId, seq),
        channelId: pair.channelId,
        bytesUp: 0n,
        bytesDown: 0n,
        amount: 0n,
        startTime,
        endTime: startTime,
      };
      const signature = await signReceipt(payerAccount, registry, receipt);
      pair.client.exit.sendPayment(encodeReceiptMessage({ seq, receipt, signature }));
      sent++;
      const deadline = Date.now() + 2_000;
      while (answers.length < seq + 1 && !pair.provider.closed && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 5));
    }
    const [error] = (await closed) as [Error | undefined];
    assert.ok(hasErrorCode(error, 'RECEIPT_FLOOD'), String(error));
    const signed = pair.providerReceipts.list({ session: pair.sessionId }).length;
    assert.ok(signed <= RECEIPT_BURST + 1, `the provider signed ${signed} of ${sent} proposals`);
    assert.ok(sent > signed, 'the flood went on past what was signed');

    // Three proposals without waiting for the first answer: the third ends the session at once.
    const eager = await startPair(64 * 1024 * 1024);
    const eagerClosed = once(eager.provider, 'close');
    for (const seq of [0, 1, 2]) {
      const receipt = {
        sessionId: checkpointIdOf(eager.sessionId, seq),
        channelId: eager.channelId,
        bytesUp: 0n,
        bytesDown: 0n,
        amount: 0n,
        startTime,
        endTime: startTime,
      };
      eager.client.exit.sendPayment(
        encodeReceiptMessage({ seq, receipt, signature: await signReceipt(payerAccount, registry, receipt) }),
      );
    }
    const [eagerError] = (await eagerClosed) as [Error | undefined];
    assert.ok(hasErrorCode(eagerError, 'RECEIPT_FLOOD'), String(eagerError));
  });
});
