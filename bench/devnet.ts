/**
 * `node bench/devnet.ts [--json] [--sessions 3]`: the time to the first paid byte of a new session on the
 * devnet. Starts the devnet in-process (`startDevnet`: embedded chain, contracts, 3 registered providers and
 * the devnet's own client), then, for each of `--sessions` fresh clients (a dev account of their own, RBT from
 * the faucet, no channel yet), times from `startClient` to:
 *
 * - `pathMs`: `connect()` resolved — offers found over libp2p, the cheapest provider picked, a payment
 *   channel opened on chain (deposit transaction mined), the Noise handshake done, the opening voucher sent;
 * - `firstByteMs`: the first byte of an HTTP response through the new client's SOCKS5 front (a 256 KiB body
 *   from a local origin);
 * - `firstPaidByteMs`: the provider received the first hash-chain tick of that session — the client's payment
 *   for the first 64 KiB it received (what "paid" means per tick; the opening voucher pays for nothing yet).
 *
 * `startClientMs` (key, store, libp2p node, fronts) is part of all three; `firstOfferMs` / `allOffersMs` say
 * when the first and the last provider offer reached the new client (the client then waits for the offers to
 * settle before choosing). Medians are reported, with every
 * sample. Run alone or from `bench/run.ts` (which forks this script and reads its JSON line).
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseUnits } from 'viem';
import { decodePaymentMessage } from '../src/accounting/messages.ts';
import { buyRbt } from '../src/chain/actions/buyRbt.ts';
import { createChainClient } from '../src/chain/chainClient.ts';
import { readDeployment } from '../src/chain/deployment.ts';
import { devAccount } from '../src/chain/devAccounts.ts';
import { startClient } from '../src/client/startClient.ts';
import { startDevnet } from '../src/devnet/startDevnet.ts';
import type { MuxSession } from '../src/tunnel/MuxSession.ts';
import { median } from './support/system.ts';

const { values } = parseArgs({
  options: { json: { type: 'boolean', default: false }, sessions: { type: 'string', default: '3' } },
});
const log = (line: string) => process.stderr.write(`${line}\n`);

/** Dev-mnemonic accounts no devnet role uses (0 deployer, 1 client, 2–4/6/7/10–12 providers, 5/8/9 auditors); given gas below. */
const FRESH_ACCOUNTS = [13, 14, 15];
const BODY = Buffer.alloc(256 * 1024, 7);

/** GET through a SOCKS5 front; resolves with the time of the first response byte and of the last. */
async function socksGet(socks: { host: string; port: number }, originPort: number) {
  const socket: Socket = connect({ host: socks.host, port: socks.port, noDelay: true });
  await once(socket, 'connect');
  let firstByteAt = 0;
  let received = 0;
  const done = new Promise<number>((resolve, reject) => {
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
      // 2 bytes of method reply + 10 of CONNECT reply, then the HTTP response.
      if (!firstByteAt && received > 12) firstByteAt = performance.now();
    });
    socket.once('end', () => resolve(performance.now()));
    socket.once('error', reject);
  });
  socket.write(Buffer.of(5, 1, 0, 5, 1, 0, 1, 127, 0, 0, 1, originPort >> 8, originPort & 255));
  socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
  const endAt = await done;
  if (received < BODY.length) throw new Error(`short response: ${received} bytes`);
  return { firstByteAt, endAt };
}

async function main() {
  const started = performance.now();
  log('devnet: starting the chain, 3 providers and the devnet client…');
  // No auditors: their capacity pushes would load the machine while the new sessions are timed.
  const devnet = await startDevnet({ providers: 3, hops: 1, auditors: 0 });
  const devnetStartMs = performance.now() - started;
  const origin = createServer((_req, res) => {
    res.writeHead(200, { 'content-length': BODY.length });
    res.end(BODY);
  });
  origin.listen(0, '127.0.0.1');
  await once(origin, 'listening');
  const originPort = (origin.address() as { port: number }).port;
  const deployment = readDeployment(devnet.info.deployment);

  /** Watches provider sessions opened from now on; `when()` gives the arrival time of the first tick on one. */
  const watchFirstTick = () => {
    const known = new Set<MuxSession>(devnet.providers.flatMap((p) => [...p.tunnel.sessions]));
    let tickAt = 0;
    const timer = setInterval(() => {
      for (const provider of devnet.providers) {
        for (const session of provider.tunnel.sessions) {
          if (known.has(session)) continue;
          known.add(session);
          session.on('payment', (payload: Buffer) => {
            if (!tickAt && decodePaymentMessage(payload).kind !== 'voucher') tickAt = performance.now();
          });
        }
      }
    }, 1);
    return {
      when: async () => {
        for (let i = 0; i < 5_000 && !tickAt; i++) await new Promise((r) => setTimeout(r, 1));
        clearInterval(timer);
        return tickAt;
      },
    };
  };

  const samples: {
    startClientMs: number;
    firstOfferMs: number;
    allOffersMs: number;
    pathMs: number;
    firstByteMs: number;
    firstPaidByteMs: number;
  }[] = [];
  const count = Math.min(Number(values.sessions), FRESH_ACCOUNTS.length);
  try {
    for (let i = 0; i < count; i++) {
      const chain = createChainClient(devnet.info.rpc, devAccount(FRESH_ACCOUNTS[i] as number));
      // anvil funds only accounts 0–9 with ether (for gas).
      await chain.request({
        method: 'anvil_setBalance' as never,
        params: [chain.account.address, '0x56bc75e2d63100000'] as never,
      });
      await buyRbt(chain, { deployment, reserveIn: 2_000n * 10n ** 6n, useFaucet: true });
      const ticks = watchFirstTick();
      const t0 = performance.now();
      const client = await startClient({
        client: chain,
        deployment,
        stateDir: join(devnet.info.stateDir, `bench-client-${i}`),
        listen: ['/ip4/127.0.0.1/tcp/0'],
        bootstrap: devnet.providers.map((p) => p.multiaddrs[0] as string),
        hops: 1,
        depositWei: parseUnits('100', 18),
        allowPrivateAddresses: true,
      });
      const startClientMs = performance.now() - t0;
      // When the first and the last of the 3 providers' offers reached the new client (polled every ms).
      let firstOfferAt = 0;
      let allOffersAt = 0;
      const offers = setInterval(() => {
        const n = client.directory.size;
        if (n > 0 && !firstOfferAt) firstOfferAt = performance.now();
        if (n >= devnet.providers.length && !allOffersAt) allOffersAt = performance.now();
      }, 1);
      try {
        await client.connect();
        clearInterval(offers);
        const pathAt = performance.now();
        const { firstByteAt } = await socksGet(client.socks.address, originPort);
        const tickAt = await ticks.when();
        if (!tickAt) throw new Error('no tick reached a provider');
        const sample = {
          startClientMs: round(startClientMs),
          firstOfferMs: round(firstOfferAt - t0),
          allOffersMs: round(allOffersAt - t0),
          pathMs: round(pathAt - t0),
          firstByteMs: round(firstByteAt - t0),
          firstPaidByteMs: round(Math.max(tickAt, firstByteAt) - t0),
        };
        samples.push(sample);
        log(`  session ${i + 1}: ${JSON.stringify(sample)}`);
      } finally {
        clearInterval(offers);
        await client.stop();
      }
    }
  } finally {
    origin.close();
    await devnet.stop();
  }
  const med = (key: keyof (typeof samples)[number]) => round(median(samples.map((s) => s[key])));
  return {
    devnetStartMs: round(devnetStartMs),
    sessions: samples.length,
    startClientMs: med('startClientMs'),
    firstOfferMs: med('firstOfferMs'),
    allOffersMs: med('allOffersMs'),
    pathMs: med('pathMs'),
    firstByteMs: med('firstByteMs'),
    firstPaidByteMs: med('firstPaidByteMs'),
    samples,
  };
}

const round = (ms: number) => Math.round(ms * 10) / 10;

const result = await main();
if (values.json) console.log(JSON.stringify(result));
else console.log(result);
process.exit(0);
