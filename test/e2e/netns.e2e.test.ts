/**
 * Issue 5: "Providers and client in separate network namespaces (veth, `tc netem` 40 ms delay, 1% loss)
 * still work." Two real `bandex node` processes and a `bandex connect` process, each in its own network
 * namespace linked to the root namespace by a veth pair (netem on every namespace link when the kernel
 * has it); the chain (anvil) and an HTTP origin run in the root namespace. Through a 2-hop path: the
 * download is byte-identical, the client paid, both providers carried bytes; and an exit outside
 * devnet mode refuses its own loopback (SOCKS5 reply 0x02). Needs root and Linux; skips saying why
 * otherwise. Everything it creates is removed even when an assertion fails.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { parseUnits } from 'viem';
import { providerRegistryAbi } from '../../src/chain/abi/providerRegistry.ts';
import { buyRbt } from '../../src/chain/actions/buyRbt.ts';
import { registerProvider } from '../../src/chain/actions/registerProvider.ts';
import { createChainClient } from '../../src/chain/chainClient.ts';
import { DEV_ACCOUNT_INDEX, devAccount, devPrivateKey } from '../../src/chain/devAccounts.ts';
import { type EmbeddedChain, startEmbeddedChain } from '../../src/chain/startEmbeddedChain.ts';
import { loadOrCreatePeerKey } from '../../src/net/loadOrCreatePeerKey.ts';
import {
  createTopology,
  type Daemon,
  execIn,
  type Namespace,
  NETEM_ARGS,
  probeNetnsSupport,
  qdiscOf,
  startDaemonIn,
  type Topology,
  tail,
} from '../support/netns.ts';

const SIZE = 8 * 1024 * 1024;
/** Dev-mnemonic accounts of the two providers (as the devnet's first two); the client is account 1. */
const PROVIDER_ACCOUNTS = [2, 3];
const PROVIDER_PRICES_RBT = ['100', '120'];
/** Every step may be slow on a busy 2-core machine over a lossy, delayed link: no timing is asserted. */
const SETUP_TIMEOUT_MS = 600_000;
const STEP_TIMEOUT_MS = 300_000;
/** curl's own limit on the download: 8 MiB over three lossy TCP legs with 80 ms round trips takes ~1 min. */
const DOWNLOAD_MAX_S = 600;

const support = probeNetnsSupport();

type ProviderInfo = { address: string; peerId: string; multiaddrs: string[]; tunnel: string; api: string };
type ClientInfo = { address: string; socks: string; httpProxy: string; api: string };
type ClientStatus = {
  bytesDown: number;
  paidWei: string;
  path: { provider: string; paidWei: string; bytesDown: number }[];
};
type ProviderStatus = { bytesServed: number; sessionsTotal: number };

describe('issue 5: providers and client in separate network namespaces', { skip: support.skip }, () => {
  let stateDir: string;
  let topology: Topology | undefined;
  let chain: EmbeddedChain | undefined;
  let origin: { server: Server; port: number; body: Buffer; sha256: string } | undefined;
  const daemons: Daemon[] = [];
  const providerNs: Namespace[] = [];
  let clientNs: Namespace;
  const providers: ProviderInfo[] = [];
  let client: ClientInfo;

  /** GETs a daemon's local API (it binds 127.0.0.1 in the daemon's namespace) with curl run there. */
  async function apiGet<T>(ns: Namespace, url: string): Promise<T> {
    const result = await execIn(ns, 'curl', ['-sS', '--fail', '--max-time', '30', url], 60_000);
    assert.equal(result.code, 0, `GET ${url} in ${ns.name}: ${result.stderr}`);
    return JSON.parse(result.stdout.toString()) as T;
  }

  /** Polls until `check` holds (state that settles asynchronously); returns the last value. */
  async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean, timeoutMs = 60_000) {
    const deadline = Date.now() + timeoutMs;
    let value = await read();
    while (!check(value) && Date.now() < deadline) {
      await sleep(500);
      value = await read();
    }
    return value;
  }

  function logs(): string {
    return daemons.map((d, i) => `--- daemon ${i + 1} ---\n${tail(d.stderr(), 20)}`).join('\n');
  }

  before(
    async () => {
      stateDir = mkdtempSync(join(tmpdir(), 'bandex-netns-'));
      topology = createTopology(['p1', 'p2', 'c'], { netem: support.noNetem === undefined });
      const [p1, p2, c] = topology.namespaces as [Namespace, Namespace, Namespace];
      providerNs.push(p1, p2);
      clientNs = c;

      // The chain, reachable from every namespace at its gateway address.
      chain = await startEmbeddedChain({ host: '0.0.0.0', port: 0, deploymentsDir: join(stateDir, 'deployments') });
      const localRpc = `http://127.0.0.1:${chain.anvil.port}`;
      const { deployment, deploymentFile } = chain;

      // The origin, in the root namespace on every address.
      const body = randomBytes(SIZE);
      const server = createServer((_req, res) => {
        res.writeHead(200, { 'content-length': body.length, 'content-type': 'application/octet-stream' });
        res.end(body);
      });
      await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
      origin = {
        server,
        body,
        port: (server.address() as { port: number }).port,
        sha256: createHash('sha256').update(body).digest('hex'),
      };

      const keyFile = (name: string, index: number) => {
        const file = join(stateDir, `${name}.key`);
        writeFileSync(file, `${devPrivateKey(index)}\n`, { mode: 0o600 });
        chmodSync(file, 0o600);
        return file;
      };
      const env = { XDG_CONFIG_HOME: join(stateDir, 'config'), XDG_DATA_HOME: join(stateDir, 'data') };

      for (const [i, ns] of providerNs.entries()) {
        const dir = join(stateDir, `provider-${i + 1}`);
        mkdirSync(dir, { recursive: true });
        // Register with the peer id of the peer.key the daemon will load from its state directory.
        const { privateKey } = await loadOrCreatePeerKey(join(dir, 'peer.key'));
        const wallet = createChainClient(localRpc, devAccount(PROVIDER_ACCOUNTS[i] as number));
        const minStake = await wallet.readContract({
          address: deployment.contracts.registry,
          abi: providerRegistryAbi,
          functionName: 'minStake',
        });
        await buyRbt(wallet, { deployment, reserveIn: 1_000n * 10n ** 6n, useFaucet: true });
        await registerProvider(wallet, {
          deployment,
          peerId: peerIdFromPrivateKey(privateKey).toString(),
          priceWeiPerGiB: parseUnits(PROVIDER_PRICES_RBT[i] as string, 18),
          region: 'DE',
          capacityBytesPerSecond: 100_000_000,
          stakeWei: minStake,
        });
        const daemon = await startDaemonIn(
          ns,
          [
            'node',
            '--json',
            '--key-file',
            keyFile(`provider-${i + 1}`, PROVIDER_ACCOUNTS[i] as number),
            '--rpc',
            `http://${ns.gateway}:${chain.anvil.port}`,
            '--deployment',
            deploymentFile,
            '--state-dir',
            dir,
            '--listen',
            `/ip4/${ns.ip}/tcp/0`,
            '--tunnel-host',
            ns.ip,
            '--tunnel-port',
            '0',
            '--api-port',
            '0',
            '--allow-private',
            '--exit-allow',
            '10.77.0.0/16',
            ...(providers[0] ? ['--bootstrap', providers[0].multiaddrs[0] as string] : []),
          ],
          { timeoutMs: STEP_TIMEOUT_MS, env },
        );
        daemons.push(daemon);
        providers.push(JSON.parse(daemon.firstLine) as ProviderInfo);
      }

      const clientWallet = createChainClient(localRpc, devAccount(DEV_ACCOUNT_INDEX.client));
      await buyRbt(clientWallet, { deployment, reserveIn: 5_000n * 10n ** 6n, useFaucet: true });
      const clientDir = join(stateDir, 'client');
      mkdirSync(clientDir, { recursive: true });
      // `connect --json` prints its line only once the 2-hop path is built (offers, channels, sessions).
      const daemon = await startDaemonIn(
        clientNs,
        [
          'connect',
          '--json',
          '--key-file',
          keyFile('client', DEV_ACCOUNT_INDEX.client),
          '--rpc',
          `http://${clientNs.gateway}:${chain.anvil.port}`,
          '--deployment',
          deploymentFile,
          '--state-dir',
          clientDir,
          ...providers.flatMap((p) => ['--bootstrap', p.multiaddrs[0] as string]),
          '--hops',
          '2',
          '--listen',
          `/ip4/${clientNs.ip}/tcp/0`,
          '--socks-port',
          '0',
          '--http-port',
          '0',
          '--api-port',
          '0',
          '--allow-private',
        ],
        { timeoutMs: STEP_TIMEOUT_MS, env },
      );
      daemons.push(daemon);
      client = JSON.parse(daemon.firstLine) as ClientInfo;
    },
    { timeout: SETUP_TIMEOUT_MS },
  );

  after(
    async () => {
      // Each step on its own: a failing one must not leave the others behind.
      await Promise.all(daemons.map((d) => d.stop(5_000).catch(() => {})));
      topology?.destroy();
      await chain?.stop().catch(() => {});
      if (origin) {
        origin.server.closeAllConnections();
        await new Promise<void>((resolve) => origin?.server.close(() => resolve()));
      }
      if (stateDir) rmSync(stateDir, { recursive: true, force: true });
    },
    { timeout: 60_000 },
  );

  it(`every namespace link is impaired: tc netem ${NETEM_ARGS.join(' ')}`, { skip: support.noNetem }, () => {
    for (const ns of topology?.namespaces ?? []) {
      const qdisc = qdiscOf(ns);
      assert.match(qdisc, /netem/, `${ns.name}: ${qdisc}`);
      assert.match(qdisc, /delay 40ms/, `${ns.name}: ${qdisc}`);
      assert.match(qdisc, /loss 1%/, `${ns.name}: ${qdisc}`);
    }
  });

  it('a 2-hop download across the namespaces is byte-identical; the client paid, both providers carried it', {
    timeout: DOWNLOAD_MAX_S * 1000 + STEP_TIMEOUT_MS,
  }, async () => {
    assert.ok(origin);
    // Any root-namespace address reaches the origin; the exit dials it through its gateway.
    const url = `http://${providerNs[0]?.gateway}:${origin.port}/blob`;
    const download = await execIn(
      clientNs,
      'curl',
      ['-sS', '--fail', '--max-time', String(DOWNLOAD_MAX_S), '--socks5-hostname', client.socks, url],
      (DOWNLOAD_MAX_S + 30) * 1000,
    );
    assert.equal(download.code, 0, `curl through ${client.socks} failed: ${download.stderr}\n${logs()}`);
    assert.equal(download.stdout.length, SIZE);
    assert.equal(createHash('sha256').update(download.stdout).digest('hex'), origin.sha256, 'byte-identical');

    const status = await eventually(
      () => apiGet<ClientStatus>(clientNs, `${client.api}/api/status`),
      (s) => BigInt(s.paidWei) > 0n && s.bytesDown >= SIZE,
    );
    assert.ok(BigInt(status.paidWei) > 0n, `client paid: ${JSON.stringify(status)}`);
    assert.ok(status.bytesDown >= SIZE, `client bytesDown ${status.bytesDown} ≥ ${SIZE}`);
    assert.equal(status.path.length, 2, 'a 2-hop path');
    assert.deepEqual(
      status.path.map((h) => h.provider.toLowerCase()).sort(),
      providers.map((p) => p.address.toLowerCase()).sort(),
      'the path runs through both providers',
    );
    for (const hop of status.path) assert.ok(BigInt(hop.paidWei) > 0n, `hop ${hop.provider} paid`);

    for (const [i, p] of providers.entries()) {
      const ns = providerNs[i] as Namespace;
      const served = await eventually(
        () => apiGet<ProviderStatus>(ns, `${p.api}/api/status`),
        (s) => s.bytesServed > 0,
      );
      assert.ok(served.bytesServed > 0, `provider ${i + 1} served bytes: ${JSON.stringify(served)}`);
    }
  });

  it('an exit outside devnet mode refuses its own loopback: not one byte of it comes back', {
    timeout: STEP_TIMEOUT_MS,
  }, async () => {
    const status = await apiGet<ClientStatus>(clientNs, `${client.api}/api/status`);
    const exit = providers.find((p) => p.address.toLowerCase() === status.path.at(-1)?.provider.toLowerCase());
    assert.ok(exit, 'the exit is one of the providers');
    // The exit's own status API listens on 127.0.0.1 in its namespace: reachable only if the policy let it.
    const loopbackPort = Number(new URL(exit.api).port);
    const [socksHost, socksPort] = client.socks.split(':') as [string, string];
    const script = `
        const net = require('node:net');
        const s = net.connect(${Number(socksPort)}, ${JSON.stringify(socksHost)});
        let buf = Buffer.alloc(0), stage = 0;
        s.on('data', (d) => {
          buf = Buffer.concat([buf, d]);
          if (stage === 0 && buf.length >= 2) {
            buf = buf.subarray(2); stage = 1;
            const port = Buffer.alloc(2); port.writeUInt16BE(${loopbackPort});
            s.write(Buffer.concat([Buffer.from([5, 1, 0, 1, 127, 0, 0, 1]), port]));
          }
          if (stage === 1 && buf.length >= 10) {
            // The client answers CONNECT optimistically (success before the exit connects); then the exit's
            // refusal closes the stream: the request below must get nothing back.
            reply = buf[1]; buf = buf.subarray(10); stage = 2;
            s.write('GET /api/status HTTP/1.0\\r\\n\\r\\n');
          }
        });
        let reply;
        s.on('close', () => { console.log(JSON.stringify({ reply, answered: buf.length })); process.exit(0); });
        s.on('error', () => {});
        s.write(Buffer.from([5, 1, 0]));
        setTimeout(() => { console.error('no SOCKS5 reply'); process.exit(4); }, 120000).unref();
      `;
    const result = await execIn(clientNs, process.execPath, ['-e', script], STEP_TIMEOUT_MS);
    assert.equal(result.code, 0, `raw SOCKS5 check failed: ${result.stderr}`);
    const seen = JSON.parse(result.stdout.toString()) as { reply: number; answered: number };
    assert.ok(seen.reply === 0x00 || seen.reply === 0x02, `SOCKS reply ${seen.reply}`);
    assert.equal(seen.answered, 0, 'nothing of the exit’s loopback service came back');

    // And curl, the application, gets no answer: an error, never the exit's own API.
    const viaCurl = await execIn(
      clientNs,
      'curl',
      ['-sS', '--max-time', '120', '--socks5-hostname', client.socks, `http://127.0.0.1:${loopbackPort}/api/status`],
      STEP_TIMEOUT_MS,
    );
    assert.notEqual(viaCurl.code, 0, `curl: ${viaCurl.stderr}`);
    assert.equal(viaCurl.stdout.length, 0, 'curl received nothing');
  });
});
