/**
 * The payment layer on a real tunnel (sockets, Noise, mux), real EIP-712 vouchers and a real SQLite
 * store — no chain needed, since vouchers are checked offline. What the provider serves is bounded by
 * what it is durably paid plus the credit window; the client pays only for what it received.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Hex, parseUnits } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { TICK_BYTES } from '../accounting/constants.ts';
import { encodePayment } from '../accounting/messages.ts';
import { PayeeChannel } from '../accounting/PayeeChannel.ts';
import { PayerChannel } from '../accounting/PayerChannel.ts';
import { signVoucher } from '../accounting/voucher.ts';
import { hasErrorCode } from '../errors/BaseError.ts';
import { ChannelStore } from '../store/ChannelStore.ts';
import { openDatabase } from '../store/openDatabase.ts';
import { connectClientSession } from '../tunnel/connectClientSession.ts';
import { createExitPolicy } from '../tunnel/exitPolicy.ts';
import { startTunnelListener } from '../tunnel/startTunnelListener.ts';
import { generateStaticKeyPair } from '../tunnel/x25519.ts';
import { type ChargedSession, chargeSession } from './chargeSession.ts';
import { payHop } from './payHop.ts';

const payerAccount = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d');
const intruder = privateKeyToAccount('0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a');
const domain = { chainId: 31337, channels: '0x5FbDB2315678afecb367f032d93F642f64180aa3' as const };
const price = parseUnits('100', 18);
const deposit = parseUnits('1000', 18);
const CREDIT = 1024 * 1024;

/** A TCP server that sends `size` bytes to every connection. */
async function startSource(size: number): Promise<{ port: number; server: Server }> {
  const server = createServer((socket) => {
    socket.on('error', () => {});
    socket.end(Buffer.alloc(size, 7));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as { port: number }).port, server };
}

async function startPaidPair({ budgetWei }: { budgetWei?: bigint } = {}) {
  const channelId = `0x${Buffer.from(generateStaticKeyPair().publicKey).toString('hex')}` as Hex;
  const store = new ChannelStore(openDatabase({ file: join(mkdtempSync(join(tmpdir(), 'bandex-paid-')), 'p.db') }));
  store.saveChannel({
    channelId,
    role: 'payee',
    chainId: domain.chainId,
    contract: domain.channels,
    payer: payerAccount.address,
    payee: intruder.address,
    deposit,
  });
  const staticKeys = generateStaticKeyPair();
  let charged: ChargedSession | undefined;
  const providerClosed = new Promise<Error | undefined>((resolve) => {
    void startTunnelListener({
      staticKeys,
      policy: createExitPolicy({ devnet: true }),
      onSession: (session) => {
        session.once('close', resolve);
        const payee = new PayeeChannel({
          domain,
          channelId,
          payer: payerAccount.address,
          deposit,
          priceWeiPerGiB: price,
          creditBytes: CREDIT,
          unpaidTimeoutMs: 2_000,
        });
        charged = chargeSession({ session, payee, store, creditBytes: CREDIT });
      },
    }).then((l) => listeners.push(l) && resolveListener(l));
  });
  let resolveListener: (l: Awaited<ReturnType<typeof startTunnelListener>>) => void = () => {};
  const listener = await new Promise<Awaited<ReturnType<typeof startTunnelListener>>>((r) => {
    resolveListener = r;
  });
  const client = await connectClientSession({
    hops: [{ host: listener.address.host, port: listener.address.port, publicKey: staticKeys.publicKey }],
  });
  const payer = new PayerChannel({
    account: payerAccount,
    domain,
    channelId,
    deposit,
    alreadyPromised: 0n,
    priceWeiPerGiB: price,
    budgetWei,
  });
  while (!charged) await sleep(5);
  return {
    channelId,
    store,
    client,
    payer,
    providerClosed,
    charged: charged as ChargedSession,
    close: async () => {
      client.close();
      await listener.close();
      store.close();
    },
  };
}
const listeners: { close(): Promise<void> }[] = [];
after(async () => {
  for (const l of listeners) await l.close();
});

async function drain(stream: Readable): Promise<number> {
  let n = 0;
  stream.on('data', (c: Buffer) => {
    n += c.length;
  });
  await new Promise<void>((resolve) => {
    stream.once('end', resolve);
    stream.once('close', resolve);
    stream.once('error', () => resolve());
  });
  return n;
}

describe('paid tunnel session', { timeout: 60_000 }, () => {
  it('pays every tick delivered, the claim is durable, the provider serves everything', async () => {
    const size = 24 * 1024 * 1024;
    const source = await startSource(size);
    const pair = await startPaidPair();
    const paid = await payHop({ session: pair.client.exit, payer: pair.payer });
    const stream = await pair.client.openStream({ host: '127.0.0.1', port: source.port });
    stream.end();
    assert.equal(await drain(stream), size);
    await paid.settled();
    const billed = pair.client.exit.meter.received + pair.client.exit.meter.sent;
    assert.equal(pair.payer.promised, BigInt(Math.floor(billed / TICK_BYTES)) * pair.payer.tickValue);
    await sleep(1_500); // the idle persist
    assert.equal(pair.store.latestClaim(pair.channelId)?.value, pair.payer.promised);
    assert.equal(pair.charged.payee.value, pair.payer.promised);
    await pair.close();
    source.server.close();
  });

  it('ticks due together travel as one message; the provider hashes them forward and holds them all', async () => {
    const pair = await startPaidPair();
    const paid = await payHop({ session: pair.client.exit, payer: pair.payer, batchTicks: 4 });
    assert.equal(paid.messages, 1, 'the opening voucher');
    // Ten ticks become due in one turn: two full batches at once, the remaining two at the end of the turn.
    pair.client.exit.meter.addReceived(10 * TICK_BYTES);
    assert.equal(paid.messages, 3);
    await paid.settled();
    assert.equal(paid.messages, 4);
    await sleep(100);
    assert.equal(pair.charged.payee.value, 10n * pair.payer.tickValue);
    assert.equal(pair.charged.payee.claim?.ticks, 10);
    await pair.close();
  });

  it('ticks due ride with the WINDOW_UPDATE the client sends, in the same write', async () => {
    const source = await startSource(3 * 1024 * 1024);
    const pair = await startPaidPair();
    try {
      const paid = await payHop({ session: pair.client.exit, payer: pair.payer });
      // Three ticks due: under a batch, so they would wait for the flush timer …
      pair.client.exit.meter.addReceived(3 * TICK_BYTES);
      assert.equal(paid.messages, 1, 'the opening voucher only');
      // … but a WINDOW_UPDATE leaving now takes them along at once.
      pair.client.exit.emit('windowUpdate');
      assert.equal(paid.messages, 2);
      // The session says when it sends one: a stream consuming 3 MiB returns credit at least twice.
      let windowUpdates = 0;
      pair.client.exit.on('windowUpdate', () => windowUpdates++);
      const stream = await pair.client.openStream({ host: '127.0.0.1', port: source.port });
      stream.end();
      assert.equal(await drain(stream), 3 * 1024 * 1024);
      assert.ok(windowUpdates >= 2, `${windowUpdates} WINDOW_UPDATEs`);
      await paid.settled();
      await sleep(100);
      assert.equal(pair.charged.payee.bytesPaid, pair.payer.bytesPaid);
    } finally {
      await pair.close();
      source.server.close();
    }
  });

  it('a client that stops paying is paused within one credit window, then cut off', async () => {
    const budgetTicks = 16n;
    const pair = await startPaidPair({ budgetWei: budgetTicks * 6_103_515_625_000_000n });
    const source = await startSource(64 * 1024 * 1024);
    await payHop({ session: pair.client.exit, payer: pair.payer });
    const stream = await pair.client.openStream({ host: '127.0.0.1', port: source.port });
    const received = drain(stream);
    const error = await pair.providerClosed;
    assert.ok(hasErrorCode(error, 'SESSION_UNPAID'), `closed with ${String(error)}`);
    const got = await received;
    assert.equal(pair.payer.promised, budgetTicks * pair.payer.tickValue);
    assert.ok(pair.payer.blocked && hasErrorCode(pair.payer.blocked, 'PAYER_OVER_BUDGET'));
    const paidBytes = Number(budgetTicks) * TICK_BYTES;
    // Served ≤ paid + one credit window + one 64 KiB frame in flight when the gate closed.
    assert.ok(got <= paidBytes + CREDIT + TICK_BYTES, `received ${got} bytes for ${paidBytes} paid`);
    assert.ok(got >= paidBytes, `received ${got}`);
    assert.ok(pair.charged.pauses >= 1);
    await pair.close();
    source.server.close();
  });

  it('a provider that stops serving stops being paid', async () => {
    const pair = await startPaidPair();
    // The destination sends 4 MiB and then nothing more, keeping the connection open: the provider
    // has nothing more to deliver.
    const delivered = 4 * 1024 * 1024;
    const held = new Set<Socket>();
    const server = createServer((socket) => {
      held.add(socket);
      socket.on('error', () => {});
      socket.write(Buffer.alloc(delivered, 9));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    await payHop({ session: pair.client.exit, payer: pair.payer });
    const stream = await pair.client.openStream({
      host: '127.0.0.1',
      port: (server.address() as { port: number }).port,
    });
    let got = 0;
    stream.on('data', (c: Buffer) => {
      got += c.length;
    });
    while (got < delivered) await sleep(10);
    await sleep(300);
    const promisedAtStop = pair.payer.promised;
    await sleep(1_500);
    assert.equal(got, delivered);
    assert.equal(pair.payer.promised, promisedAtStop, 'nothing more paid while nothing is delivered');
    assert.equal(pair.payer.promised, BigInt(delivered / TICK_BYTES) * pair.payer.tickValue);
    await pair.close();
    for (const socket of held) socket.destroy();
    server.close();
  });

  it('a voucher signed by someone else ends the session with a clear error', async () => {
    const pair = await startPaidPair();
    const forged = await signVoucher(intruder, domain, {
      channelId: pair.channelId,
      amount: 10n ** 18n,
      tickAnchor: `0x${'11'.repeat(32)}`,
      tickValue: pair.payer.tickValue,
    });
    pair.client.exit.sendPayment(encodePayment({ kind: 'voucher', signed: forged }));
    const error = await pair.providerClosed;
    assert.ok(hasErrorCode(error, 'VOUCHER_BAD_SIGNATURE'), String(error));
    assert.equal(pair.store.latestClaim(pair.channelId), undefined, 'nothing stored');
    await pair.close();
  });

  it('garbage in a payment frame, or a tick before any voucher, ends the session', async () => {
    for (const [payload, code] of [
      [Buffer.from('not a payment'), 'MESSAGE_MALFORMED'],
      [encodePayment({ kind: 'tick', preimage: Buffer.alloc(32, 1) }), 'TICK_MISMATCH'],
      [encodePayment({ kind: 'ticks', preimage: Buffer.alloc(32, 1), count: 3 }), 'TICK_MISMATCH'],
      [Buffer.concat([Buffer.of(3, 0, 0), Buffer.alloc(32, 1)]), 'MESSAGE_MALFORMED'],
    ] as const) {
      const pair = await startPaidPair();
      pair.client.exit.sendPayment(payload);
      const error = await pair.providerClosed;
      assert.ok(hasErrorCode(error, code), `${code}: ${String(error)}`);
      await sleep(50);
      assert.ok(pair.client.exit.closed, 'the client side learns the session ended');
      await pair.close();
    }
  });
});
