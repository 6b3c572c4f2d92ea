/**
 * Issue 19, providers behind NAT (docs/nat.md): "A provider namespace behind MASQUERADE NAT with no inbound
 * port serves a paid 1-hop and a 3-hop session." Namespaces: a relay provider R and a public provider P1 on
 * the "internet" (the root namespace routes between namespaces), a router doing nftables MASQUERADE for a
 * home namespace with no port forward, and in the home the NATed provider N (`bandex node --behind-nat`),
 * which dials out to R and holds a reservation there. The chain, the origin (a node HTTP server) and the
 * clients run in the root namespace. Shown: nothing can connect into the home (the router refuses N's port,
 * N's offer lists no address, only `relay:<R>`); a 1-hop session to N (the client's path becomes R → N)
 * downloads byte-identical and both R and N are paid for it, their claims within a tick of what they
 * served; a 3-hop session P1 → R → N with N as the exit works too. The relayed throughput is measured and
 * printed next to a direct 1-hop session through R, and repeated behind a `fully-random` NAT (relaying does
 * not depend on the NAT's port mapping). Needs root and Linux; skips saying why otherwise. Everything it
 * creates is removed even on failure.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { parseUnits } from 'viem';
import { providerRegistryAbi } from '../../src/chain/abi/providerRegistry.ts';
import { buyRbt } from '../../src/chain/actions/buyRbt.ts';
import { registerProvider } from '../../src/chain/actions/registerProvider.ts';
import { createChainClient } from '../../src/chain/chainClient.ts';
import { devAccount, devPrivateKey } from '../../src/chain/devAccounts.ts';
import { type EmbeddedChain, startEmbeddedChain } from '../../src/chain/startEmbeddedChain.ts';
import { loadOrCreatePeerKey } from '../../src/net/loadOrCreatePeerKey.ts';
import { createHomeBehindNat, type Home } from '../support/homeNat.ts';
import {
  createTopology,
  type Daemon,
  execIn,
  type Namespace,
  probeNetnsSupport,
  startDaemonIn,
  startDaemonInRoot,
  type Topology,
  tail,
} from '../support/netns.ts';
import { parseEndpoint, socksConnect } from '../support/socksConnect.ts';

const RELAY_ACCOUNT = 2;
const NATTED_ACCOUNTS = [3, 5];
const P1_ACCOUNT = 4;
const CLIENT_ACCOUNTS = { oneHop: 1, threeHop: 8, direct: 9, randomNat: 7, punch: 6, punchRandom: 0 };
/** Paths built per topology to count how many hole-punch. */
const PUNCH_TRIES = 5;
const PRICE = parseUnits('100', 18);
/** What one 64 KiB tick is worth at PRICE per GiB. */
const TICK_WEI = (PRICE * 65_536n) / 2n ** 30n;
const SMALL_BYTES = 4 * 1024 * 1024 + 11;
const BIG_BYTES = 64 * 1024 * 1024;
const SETUP_TIMEOUT_MS = 600_000;
const STEP_TIMEOUT_MS = 180_000;

const support = probeNetnsSupport();

type ProviderInfo = { address: string; peerId: string; multiaddrs: string[]; tunnel: string; api: string };
type ClientInfo = { address: string; socks: string; api: string };
type ProviderStatus = { bytesServed: number; earnedWei: string; sessions: number };
type ClientStatus = { path: { provider: string; paidWei: string }[] };

const mb = (bytes: number, ms: number) => `${(bytes / 1e6 / (ms / 1000)).toFixed(1)} MB/s`;

describe('issue 19: a provider behind NAT serves paid sessions through a relay', { skip: support.skip }, () => {
  let stateDir: string;
  let topology: Topology | undefined;
  const homes: Home[] = [];
  let chain: EmbeddedChain | undefined;
  let origin: Server | undefined;
  let originHost: string;
  let originPort: number;
  const small = randomBytes(SMALL_BYTES);
  const chunk = randomBytes(1024 * 1024);
  const daemons: Daemon[] = [];
  const figures: string[] = [];
  const providers = new Map<string, { info: ProviderInfo; ns: Namespace }>();
  const clients = new Map<string, ClientInfo>();

  const logs = () => daemons.map((d, i) => `--- daemon ${i + 1} ---\n${tail(d.stderr(), 25)}`).join('\n');

  async function providerStatus(name: string): Promise<ProviderStatus> {
    const p = providers.get(name);
    assert.ok(p);
    const result = await execIn(
      p.ns,
      'curl',
      ['-sS', '--fail', '--max-time', '30', `${p.info.api}/api/status`],
      60_000,
    );
    assert.equal(result.code, 0, result.stderr);
    return JSON.parse(result.stdout.toString()) as ProviderStatus;
  }

  async function clientStatus(name: string): Promise<ClientStatus> {
    const c = clients.get(name);
    assert.ok(c);
    return (await (await fetch(`${c.api}/api/status`)).json()) as ClientStatus;
  }

  /** GET `path` from the origin through a client's SOCKS5 front: the body and how long it took. */
  async function download(client: string, path: string): Promise<{ body: Buffer; ms: number }> {
    const c = clients.get(client);
    assert.ok(c);
    const started = performance.now();
    const socket = await socksConnect(parseEndpoint(c.socks), { host: originHost, port: originPort });
    try {
      const chunks: Buffer[] = [];
      socket.on('data', (d: Buffer) => chunks.push(d));
      socket.write(`GET ${path} HTTP/1.1\r\nHost: ${originHost}\r\nConnection: close\r\n\r\n`);
      socket.resume();
      await new Promise<void>((resolve, reject) => {
        socket.once('end', resolve);
        socket.once('error', reject);
      });
      const raw = Buffer.concat(chunks);
      return { body: raw.subarray(raw.indexOf('\r\n\r\n') + 4), ms: performance.now() - started };
    } finally {
      socket.destroy();
    }
  }

  before(
    async () => {
      stateDir = mkdtempSync(join(tmpdir(), 'bandex-nat-'));
      topology = createTopology(['relay', 'p1', 'router', 'router2'], { netem: false });
      const [relayNs, p1Ns, routerNs, router2Ns] = topology.namespaces as [Namespace, Namespace, Namespace, Namespace];
      homes.push(createHomeBehindNat(routerNs));
      homes.push(createHomeBehindNat(router2Ns, { fullyRandom: true }));

      chain = await startEmbeddedChain({ host: '0.0.0.0', port: 0, deploymentsDir: join(stateDir, 'deployments') });
      const localRpc = `http://127.0.0.1:${chain.anvil.port}`;
      const { deployment, deploymentFile } = chain;

      // The origin, on the internet side (the root namespace's end of the router's link).
      originHost = routerNs.gateway;
      origin = createServer((request, response) => {
        if (request.url === '/small') {
          response.writeHead(200, { 'content-length': String(small.length) });
          response.end(small);
          return;
        }
        response.writeHead(200, { 'content-length': String(BIG_BYTES) });
        let left = BIG_BYTES / chunk.length;
        const more = () => {
          while (left > 0) {
            left--;
            if (!response.write(chunk)) return void response.once('drain', more);
          }
          response.end();
        };
        more();
      });
      await new Promise<void>((resolve) => origin?.listen(0, '0.0.0.0', resolve));
      originPort = (origin.address() as { port: number }).port;

      const keyFile = (name: string, index: number) => {
        const file = join(stateDir, `${name}.key`);
        writeFileSync(file, `${devPrivateKey(index)}\n`, { mode: 0o600 });
        chmodSync(file, 0o600);
        return file;
      };
      const env = { XDG_CONFIG_HOME: join(stateDir, 'config'), XDG_DATA_HOME: join(stateDir, 'data') };
      const minStake = await createChainClient(localRpc, devAccount(RELAY_ACCOUNT)).readContract({
        address: deployment.contracts.registry,
        abi: providerRegistryAbi,
        functionName: 'minStake',
      });

      const startProvider = async (name: string, index: number, ns: Namespace, gateway: string, extra: string[]) => {
        const dir = join(stateDir, name);
        mkdirSync(dir, { recursive: true });
        const { privateKey } = await loadOrCreatePeerKey(join(dir, 'peer.key'));
        const wallet = createChainClient(localRpc, devAccount(index));
        await buyRbt(wallet, { deployment, reserveIn: 1_000n * 10n ** 6n, useFaucet: true });
        await registerProvider(wallet, {
          deployment,
          peerId: peerIdFromPrivateKey(privateKey).toString(),
          priceWeiPerGiB: PRICE,
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
            keyFile(name, index),
            '--rpc',
            `http://${gateway}:${chain?.anvil.port}`,
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
            ...extra,
          ],
          { timeoutMs: STEP_TIMEOUT_MS, env },
        );
        daemons.push(daemon);
        const info = JSON.parse(daemon.firstLine) as ProviderInfo;
        providers.set(name, { info, ns });
        return info;
      };

      const relay = await startProvider('relay', RELAY_ACCOUNT, relayNs, relayNs.gateway, []);
      const bootstrap = ['--bootstrap', relay.multiaddrs[0] as string];
      const p1 = await startProvider('p1', P1_ACCOUNT, p1Ns, p1Ns.gateway, bootstrap);
      // Behind NAT: the chain is reached through the router; the home has no inbound port.
      for (const [i, home] of homes.entries()) {
        // The chain is at the root namespace's address on the first router's link, reached through the NAT.
        await startProvider(`natted${i}`, NATTED_ACCOUNTS[i] as number, home.home, routerNs.gateway, [
          ...bootstrap,
          '--behind-nat',
          '--nat-relay',
          relay.address,
        ]);
      }
      const natted = providers.get('natted0')?.info as ProviderInfo;
      const nattedRandom = providers.get('natted1')?.info as ProviderInfo;

      const startClientDaemon = async (name: string, index: number, args: string[]) => {
        const dir = join(stateDir, `client-${name}`);
        mkdirSync(dir, { recursive: true });
        await buyRbt(createChainClient(localRpc, devAccount(index)), {
          deployment,
          reserveIn: 5_000n * 10n ** 6n,
          useFaucet: true,
        });
        const daemon = await startDaemonInRoot(
          [
            'connect',
            '--json',
            '--key-file',
            keyFile(`client-${name}`, index),
            '--rpc',
            localRpc,
            '--deployment',
            deploymentFile,
            '--state-dir',
            dir,
            '--listen',
            '/ip4/127.0.0.1/tcp/0',
            '--socks-port',
            '0',
            '--http-port',
            '0',
            '--api-port',
            '0',
            '--allow-private',
            ...args,
          ],
          { timeoutMs: STEP_TIMEOUT_MS, env },
        );
        daemons.push(daemon);
        clients.set(name, JSON.parse(daemon.firstLine) as ClientInfo);
      };
      const startClient = (name: string, index: number, args: string[]) =>
        startClientDaemon(name, index, args).catch((error: Error) => {
          throw new Error(`${error.message}\n${logs()}`);
        });
      // The relayed fallback, forced: these clients never try a direct connection.
      await startClient('oneHop', CLIENT_ACCOUNTS.oneHop, [
        ...bootstrap,
        '--provider',
        natted.address,
        '--hops',
        '1',
        '--no-hole-punch',
      ]);
      // Its node drops the relay, a later hop of its path, once the path is chosen: P1 stays.
      await startClient('threeHop', CLIENT_ACCOUNTS.threeHop, [
        '--bootstrap',
        p1.multiaddrs[0] as string,
        ...bootstrap,
        '--provider',
        p1.address,
        '--provider',
        relay.address,
        '--provider',
        natted.address,
        '--hops',
        '3',
      ]);
      await startClient('direct', CLIENT_ACCOUNTS.direct, [...bootstrap, '--provider', relay.address, '--hops', '1']);
      await startClient('randomNat', CLIENT_ACCOUNTS.randomNat, [
        ...bootstrap,
        '--provider',
        nattedRandom.address,
        '--hops',
        '1',
        '--no-hole-punch',
      ]);
      // Hole punching first (the default), behind each NAT.
      await startClient('punch', CLIENT_ACCOUNTS.punch, [...bootstrap, '--provider', natted.address, '--hops', '1']);
      await startClient('punchRandom', CLIENT_ACCOUNTS.punchRandom, [
        ...bootstrap,
        '--provider',
        nattedRandom.address,
        '--hops',
        '1',
      ]);
    },
    { timeout: SETUP_TIMEOUT_MS },
  );

  after(
    async () => {
      if (figures.length > 0) console.log(figures.join('\n'));
      await Promise.all(daemons.map((d) => d.stop(5_000).catch(() => {})));
      await new Promise<void>((resolve) => (origin ? origin.close(() => resolve()) : resolve()));
      origin?.closeAllConnections();
      for (const home of homes) home.destroy();
      topology?.destroy();
      await chain?.stop().catch(() => {});
      if (stateDir) rmSync(stateDir, { recursive: true, force: true });
    },
    { timeout: 60_000 },
  );

  it('nothing connects into the home: the router refuses the provider’s port, its offer names only the relay', {
    timeout: STEP_TIMEOUT_MS,
  }, async () => {
    const natted = providers.get('natted0');
    assert.ok(natted);
    const port = Number(natted.info.tunnel.split(':').at(-1));
    const home = homes[0] as Home;
    // From the internet (the root namespace), the NAT's public address on the provider's tunnel port: the
    // router drops the SYN (its firewall counts it), nothing answers.
    const dropped = home.droppedInbound();
    const socket = netConnect({ host: home.publicIp, port });
    let outcome = 'pending';
    socket.once('connect', () => {
      outcome = 'connected';
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      outcome = error.code ?? 'error';
    });
    try {
      for (let i = 0; i < 100 && home.droppedInbound() === dropped; i++) await new Promise((r) => setTimeout(r, 50));
      assert.ok(home.droppedInbound() > dropped, 'the router did not drop the connection');
      assert.equal(outcome, 'pending', 'a connection into the home was answered');
    } finally {
      socket.destroy();
    }
    // The client learnt the NATed provider from its offer: its path has the relay before it.
    const status = await clientStatus('oneHop');
    assert.deepEqual(
      status.path.map((h) => h.provider.toLowerCase()),
      [providers.get('relay')?.info.address.toLowerCase(), natted.info.address.toLowerCase()],
    );
  });

  it('a paid 1-hop session to the NATed provider (relay → it) downloads byte-identical; both are paid', {
    timeout: STEP_TIMEOUT_MS,
  }, async (t) => {
    const relay0 = await providerStatus('relay');
    const natted0 = await providerStatus('natted0');
    const { body } = await download('oneHop', '/small');
    assert.ok(body.equals(small), `got ${body.length} bytes of ${small.length}\n${logs()}`);
    // The client pays as bytes arrive: its last ticks may be on their way when the download ends.
    for (const name of ['relay', 'natted0']) {
      const before = name === 'relay' ? relay0 : natted0;
      let now = await providerStatus(name);
      const owed = () => (BigInt(now.bytesServed - before.bytesServed) * PRICE) / 2n ** 30n - TICK_WEI;
      for (let i = 0; i < 100 && BigInt(now.earnedWei) - BigInt(before.earnedWei) < owed(); i++) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        now = await providerStatus(name);
      }
      const served = now.bytesServed - before.bytesServed;
      const earned = BigInt(now.earnedWei) - BigInt(before.earnedWei);
      const line = `${name}: served ${served} bytes for a ${SMALL_BYTES}-byte download, earned ${earned} wei`;
      t.diagnostic(line);
      assert.ok(served >= SMALL_BYTES, line);
      assert.ok(earned >= owed(), `${line}: less than what it served, minus a tick`);
    }
  });

  it('a 3-hop session P1 → relay → NATed exit downloads byte-identical, every hop paid', {
    timeout: STEP_TIMEOUT_MS,
  }, async () => {
    const { body } = await download('threeHop', '/small');
    assert.ok(body.equals(small), `got ${body.length} bytes of ${small.length}\n${logs()}`);
    const status = await clientStatus('threeHop');
    assert.deepEqual(
      status.path.map((h) => h.provider.toLowerCase()),
      ['p1', 'relay', 'natted0'].map((n) => providers.get(n)?.info.address.toLowerCase()),
    );
    for (const hop of status.path) assert.ok(BigInt(hop.paidWei) > 0n, JSON.stringify(status));
  });

  it('relayed throughput, next to a direct session through the relay, and behind a fully-random NAT', {
    timeout: STEP_TIMEOUT_MS,
  }, async (t) => {
    const measured: [string, string][] = [
      ['direct 1-hop (relay as exit)', 'direct'],
      ['relayed 1-hop (relay → NATed exit)', 'oneHop'],
      ['relayed 1-hop behind a fully-random NAT', 'randomNat'],
      ['3-hop P1 → relay → NATed exit', 'threeHop'],
    ];
    for (const [label, client] of measured) {
      const { body, ms } = await download(client, '/big');
      assert.equal(body.length, BIG_BYTES, `${label}: ${body.length} bytes\n${logs()}`);
      const line = `NAT ${label}: ${BIG_BYTES / 1024 / 1024} MiB in ${ms.toFixed(0)} ms = ${mb(BIG_BYTES, ms)}`;
      figures.push(line);
      t.diagnostic(line);
    }
  });

  it('hole punching: behind MASQUERADE the client connects directly (no relay hop), behind fully-random it relays', {
    timeout: STEP_TIMEOUT_MS,
  }, async (t) => {
    const relay = providers.get('relay')?.info.address.toLowerCase();
    for (const [client, natted, topology] of [
      ['punch', 'natted0', 'MASQUERADE (source port kept)'],
      ['punchRandom', 'natted1', 'MASQUERADE fully-random'],
    ] as const) {
      const c = clients.get(client);
      assert.ok(c);
      const token = readFileSync(join(stateDir, `client-${client}`, 'api.token'), 'utf8').trim();
      const nattedAddress = providers.get(natted)?.info.address.toLowerCase();
      let direct = 0;
      for (let i = 0; i < PUNCH_TRIES; i++) {
        // The first path was built at start; each rebuild tries again.
        if (i > 0) {
          const rebuilt = await fetch(`${c.api}/api/path/rebuild`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}` },
          });
          assert.equal(rebuilt.status, 200, `${client}: rebuild ${await rebuilt.text()}\n${logs()}`);
        }
        const { body } = await download(client, '/small');
        assert.ok(body.equals(small), `${client}: got ${body.length} bytes of ${small.length}\n${logs()}`);
        const path = (await clientStatus(client)).path.map((h) => h.provider.toLowerCase());
        if (path.length === 1) direct++;
        assert.deepEqual(path, path.length === 1 ? [nattedAddress] : [relay, nattedAddress]);
      }
      const line = `NAT hole punching behind ${topology}: ${direct} of ${PUNCH_TRIES} sessions direct, the rest relayed`;
      figures.push(line);
      t.diagnostic(line);
      if (client === 'punchRandom') assert.equal(direct, 0, 'a fully-random NAT cannot be predicted');
    }
    const { body, ms } = await download('punch', '/big');
    assert.equal(body.length, BIG_BYTES);
    const path = (await clientStatus('punch')).path;
    const line = `NAT ${path.length === 1 ? 'hole-punched direct' : 'relayed (punch failed)'} 1-hop to the NATed exit: ${BIG_BYTES / 1024 / 1024} MiB in ${ms.toFixed(0)} ms = ${mb(BIG_BYTES, ms)}`;
    figures.push(line);
    t.diagnostic(line);
  });
});
