/**
 * Issue 19: `bandex connect --vpn`, the system-wide VPN, in network namespaces with real tools. Four
 * namespaces hang off the root one (which routes between them and runs anvil): a client `c`, an exit
 * provider `p` (`bandex node --vpn`: wireguard-go, NAT), and an origin `o` running nginx and dnsmasq,
 * whose nftables input chain counts packets by source address (the client's own vs the provider's).
 *
 * With the VPN up in `c`: plain `curl` (no proxy flags) to a name that only the origin's dnsmasq knows,
 * `dig` (UDP DNS) and an `iperf3 -u` transfer reach the origin only from the provider's address, and
 * the provider's claim grows with the bytes. SIGTERM tears the VPN down (routes, resolv.conf, nftables
 * back as before). A second client is then killed with SIGKILL: no packet from `c` reaches the origin
 * (plain, DNS or through the dead tunnel) until `bandex vpn down` restores the namespace.
 *
 * Needs root and Linux (skips saying why otherwise); needs wireguard-go, nft, nginx, dnsmasq, dig and
 * iperf3 — a missing one fails the test naming its Debian package (`.ci/run` installs them).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
import { BANDEX, ROOT } from '../support/cli.ts';
import {
  createTopology,
  type Daemon,
  execIn,
  type Namespace,
  probeNetnsSupport,
  startDaemonIn,
  type Topology,
  tail,
} from '../support/netns.ts';

const PROVIDER_ACCOUNT = 2;
const CLIENT_ACCOUNT = 1;
const STEP_TIMEOUT_MS = 180_000;
const BIG_FILE_BYTES = 4 * 1024 * 1024;
const ORIGIN_NAME = 'origin.test';

/** Tools the test runs, with the Debian package each comes from. */
const TOOLS: [string, string[], string][] = [
  ['wireguard-go', ['--version'], 'wireguard-go'],
  ['nft', ['--version'], 'nftables'],
  ['nginx', ['-v'], 'nginx-light'],
  ['dnsmasq', ['--version'], 'dnsmasq'],
  ['dig', ['-v'], 'dnsutils'],
  ['iperf3', ['--version'], 'iperf3'],
];

const support = probeNetnsSupport();

type ProviderInfo = { address: string; multiaddrs: string[]; api: string; vpn?: { interface: string } };
type ClientInfo = { api: string; vpn?: { interface: string; address: string; dns: string[] } };
type Counters = { fromClient: number; fromProvider: number };

describe('issue 19: bandex connect --vpn in network namespaces', { skip: support.skip }, () => {
  let stateDir: string;
  let topology: Topology | undefined;
  let chain: EmbeddedChain | undefined;
  let c: Namespace;
  let p: Namespace;
  let o: Namespace;
  let provider: ProviderInfo;
  let clientArgs: string[];
  let env: Record<string, string>;
  let routesBefore: string;
  let resolvFile: string;
  const resolvBefore = () => `nameserver ${o.ip}\n`;
  const daemons: Daemon[] = [];
  const helpers: ReturnType<typeof spawn>[] = [];
  const figures: string[] = [];
  const clientIf = `bxc${process.pid % 1_000_000}`;
  const gatewayIf = `bxg${process.pid % 1_000_000}`;

  const sh = async (ns: Namespace, command: string, args: string[], timeoutMs = 60_000) => {
    const result = await execIn(ns, command, args, timeoutMs);
    return { ...result, out: result.stdout.toString() };
  };
  const must = async (ns: Namespace, command: string, args: string[], timeoutMs = 60_000) => {
    const result = await sh(ns, command, args, timeoutMs);
    assert.equal(result.code, 0, `${command} ${args.join(' ')} in ${ns.name}: ${result.stderr}${result.out}`);
    return result.out;
  };
  /** Packets the origin received from the client's own address and from the provider's. */
  const originCounters = async (): Promise<Counters> => {
    const listing = await must(o, 'nft', ['list', 'chain', 'inet', 'bxorigin', 'input']);
    const count = (ip: string) =>
      Number(new RegExp(`ip saddr ${ip.replace(/\./g, '\\.')} counter packets (\\d+)`).exec(listing)?.[1] ?? NaN);
    return { fromClient: count(c.ip), fromProvider: count(p.ip) };
  };
  const status = async <T>(ns: Namespace, api: string): Promise<T> =>
    JSON.parse(await must(ns, 'curl', ['-sS', '--fail', '--max-time', '30', `${api}/api/status`])) as T;
  const logs = () => daemons.map((d, i) => `--- daemon ${i + 1} ---\n${tail(d.stderr(), 25)}`).join('\n');
  const routes = () => must(c, 'ip', ['-4', 'route', 'show', 'table', 'all']);

  const startClient = async (): Promise<{ daemon: Daemon; info: ClientInfo }> => {
    const daemon = await startDaemonIn(c, clientArgs, { timeoutMs: STEP_TIMEOUT_MS, env });
    daemons.push(daemon);
    return { daemon, info: JSON.parse(daemon.firstLine) as ClientInfo };
  };

  before(
    async () => {
      for (const [command, args, pkg] of TOOLS) {
        const probe = spawnSync(command, args, { stdio: 'ignore' });
        if ((probe.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
          assert.fail(`${command} is missing: apt-get install ${pkg} (.ci/run installs it)`);
        }
      }
      stateDir = mkdtempSync(join(tmpdir(), 'bandex-vpn-'));
      chmodSync(stateDir, 0o755);
      topology = createTopology(['c', 'p', 'o'], { netem: false });
      [c, p, o] = topology.namespaces as [Namespace, Namespace, Namespace];
      // `ip netns exec` bind-mounts /etc/netns/<ns>/resolv.conf on /etc/resolv.conf: the client's "ISP
      // resolver" is the origin's dnsmasq, so a leaked query would show up in the origin's counters.
      resolvFile = join('/etc/netns', c.name, 'resolv.conf');
      mkdirSync(join('/etc/netns', c.name), { recursive: true });
      writeFileSync(resolvFile, resolvBefore());

      // The origin: nginx, dnsmasq, and counters by source address.
      const www = join(stateDir, 'www');
      mkdirSync(www, { recursive: true });
      writeFileSync(join(www, 'index.html'), 'hello from the origin\n');
      writeFileSync(join(www, 'big.bin'), Buffer.alloc(BIG_FILE_BYTES, 7));
      const nginxConf = join(stateDir, 'nginx.conf');
      const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
        .map((t) => `${t}_temp_path ${stateDir}/${t};`)
        .join(' ');
      writeFileSync(
        nginxConf,
        `daemon off; user root; worker_processes 1; pid ${stateDir}/nginx.pid; error_log ${stateDir}/nginx.err;
events {}
http { access_log ${stateDir}/access.log; ${temp}
  server { listen ${o.ip}:80; root ${www}; } }
`,
      );
      const originRules = join(stateDir, 'origin.nft');
      writeFileSync(
        originRules,
        `table inet bxorigin {
  chain input { type filter hook input priority 0; policy accept;
    ip saddr ${c.ip} counter
    ip saddr ${p.ip} counter
  }
}
`,
      );
      await must(o, 'nft', ['-f', originRules]);
      for (const [command, args] of [
        ['nginx', ['-p', stateDir, '-c', nginxConf, '-e', `${stateDir}/nginx.err`]],
        [
          'dnsmasq',
          [
            '--keep-in-foreground',
            '--no-resolv',
            '--no-hosts',
            '--bind-interfaces',
            `--listen-address=${o.ip}`,
            '--except-interface=lo',
            `--address=/${ORIGIN_NAME}/${o.ip}`,
            `--pid-file=${stateDir}/dnsmasq.pid`,
          ],
        ],
        ['iperf3', ['-s', '-B', o.ip]],
      ] as [string, string[]][]) {
        const child = spawn('ip', ['netns', 'exec', o.name, command, ...args], { stdio: 'ignore' });
        helpers.push(child);
      }

      chain = await startEmbeddedChain({ host: '0.0.0.0', port: 0, deploymentsDir: join(stateDir, 'deployments') });
      const localRpc = `http://127.0.0.1:${chain.anvil.port}`;
      const { deployment, deploymentFile } = chain;
      const keyFile = (name: string, index: number) => {
        const file = join(stateDir, `${name}.key`);
        writeFileSync(file, `${devPrivateKey(index)}\n`, { mode: 0o600 });
        return file;
      };
      env = { XDG_CONFIG_HOME: join(stateDir, 'config'), XDG_DATA_HOME: join(stateDir, 'data') };

      const providerDir = join(stateDir, 'provider');
      mkdirSync(providerDir, { recursive: true });
      const { privateKey } = await loadOrCreatePeerKey(join(providerDir, 'peer.key'));
      const wallet = createChainClient(localRpc, devAccount(PROVIDER_ACCOUNT));
      const minStake = await wallet.readContract({
        address: deployment.contracts.registry,
        abi: providerRegistryAbi,
        functionName: 'minStake',
      });
      await buyRbt(wallet, { deployment, reserveIn: 1_000n * 10n ** 6n, useFaucet: true });
      await registerProvider(wallet, {
        deployment,
        peerId: peerIdFromPrivateKey(privateKey).toString(),
        priceWeiPerGiB: parseUnits('100', 18),
        region: 'DE',
        capacityBytesPerSecond: 100_000_000,
        stakeWei: minStake,
      });
      const providerDaemon = await startDaemonIn(
        p,
        [
          'node',
          '--json',
          '--key-file',
          keyFile('provider', PROVIDER_ACCOUNT),
          '--rpc',
          `http://${p.gateway}:${chain.anvil.port}`,
          '--deployment',
          deploymentFile,
          '--state-dir',
          providerDir,
          '--listen',
          `/ip4/${p.ip}/tcp/0`,
          '--tunnel-host',
          p.ip,
          '--tunnel-port',
          '0',
          '--api-port',
          '0',
          '--allow-private',
          // The origin is a private address (another namespace): the exit policy must allow it, for the
          // VPN's forwarded packets as for proxied streams.
          '--exit-allow',
          '10.77.0.0/16',
          '--vpn',
          '--vpn-interface',
          gatewayIf,
          '--vpn-dns',
          o.ip,
        ],
        { timeoutMs: STEP_TIMEOUT_MS, env },
      );
      daemons.push(providerDaemon);
      provider = JSON.parse(providerDaemon.firstLine) as ProviderInfo;
      assert.equal(provider.vpn?.interface, gatewayIf);

      const client = createChainClient(localRpc, devAccount(CLIENT_ACCOUNT));
      await buyRbt(client, { deployment, reserveIn: 5_000n * 10n ** 6n, useFaucet: true });
      const clientDir = join(stateDir, 'client');
      mkdirSync(clientDir, { recursive: true });
      clientArgs = [
        'connect',
        '--json',
        '--key-file',
        keyFile('client', CLIENT_ACCOUNT),
        '--rpc',
        `http://${c.gateway}:${chain.anvil.port}`,
        '--deployment',
        deploymentFile,
        '--state-dir',
        clientDir,
        '--bootstrap',
        provider.multiaddrs[0] as string,
        '--provider',
        provider.address,
        '--hops',
        '1',
        '--listen',
        '/ip4/127.0.0.1/tcp/0',
        '--socks-port',
        '0',
        '--http-port',
        '0',
        '--api-port',
        '0',
        '--allow-private',
        '--vpn',
        '--vpn-interface',
        clientIf,
        '--vpn-resolv-conf',
        resolvFile,
        // The chain's RPC (the root namespace, the client's gateway) stays outside the tunnel.
        '--vpn-exclude',
        `${c.gateway}/32`,
      ];
      // Before any VPN: the origin answers the client directly (and counts it as the client).
      assert.match(await must(c, 'curl', ['-sS', '--max-time', '10', `http://${o.ip}/`]), /hello from the origin/);
      routesBefore = await routes();
    },
    { timeout: 600_000 },
  );

  after(
    async () => {
      if (figures.length > 0) console.log(figures.join('\n'));
      await Promise.all(daemons.map((d) => d.stop(5_000).catch(() => {})));
      for (const child of helpers) child.kill('SIGKILL');
      // Whatever a failed test left: the client's VPN (its namespace goes anyway), the gateway's interface.
      if (c)
        spawnSync(
          'ip',
          ['netns', 'exec', c.name, process.execPath, BANDEX, 'vpn', 'down', '--state-dir', join(stateDir, 'client')],
          { cwd: ROOT, stdio: 'ignore' },
        );
      for (const name of [clientIf, gatewayIf]) rmSync(`/var/run/wireguard/${name}.sock`, { force: true });
      topology?.destroy();
      if (c) rmSync(join('/etc/netns', c.name), { recursive: true, force: true });
      await chain?.stop().catch(() => {});
      if (stateDir) rmSync(stateDir, { recursive: true, force: true });
    },
    { timeout: 60_000 },
  );

  let first: { daemon: Daemon; info: ClientInfo };

  it('with the VPN up, plain curl, DNS and a UDP transfer reach the origin only from the provider', {
    timeout: STEP_TIMEOUT_MS,
  }, async (t) => {
    first = await startClient();
    assert.equal(first.info.vpn?.interface, clientIf, logs());
    assert.deepEqual(first.info.vpn?.dns, [o.ip]);
    assert.match(readFileSync(resolvFile, 'utf8'), new RegExp(`nameserver ${o.ip.replace(/\./g, '\\.')}`));
    const before = await originCounters();

    // A name only the origin's dnsmasq knows, resolved through the tunnel, then plain HTTP.
    const page = await sh(c, 'curl', ['-sS', '--max-time', '20', `http://${ORIGIN_NAME}/`]);
    assert.equal(page.code, 0, `${page.stderr}\n${logs()}`);
    assert.match(page.out, /hello from the origin/);
    const dig = await must(c, 'dig', ['+short', '+time=5', '+tries=2', `@${o.ip}`, ORIGIN_NAME]);
    assert.equal(dig.trim(), o.ip);
    const iperf = JSON.parse(
      await must(c, 'iperf3', ['-c', o.ip, '-u', '-b', '8M', '-t', '2', '-l', '1200', '-J'], 60_000),
    ) as { end: { sum: { bytes: number; lost_percent: number } } };
    const afterwards = await originCounters();
    const line =
      `VPN: iperf3 -u 8 Mbit/s for 2 s: ${iperf.end.sum.bytes} bytes, ${iperf.end.sum.lost_percent.toFixed(1)} % lost; ` +
      `origin saw ${afterwards.fromProvider - before.fromProvider} packets from the provider, ` +
      `${afterwards.fromClient - before.fromClient} from the client`;
    figures.push(line);
    t.diagnostic(line);
    assert.equal(afterwards.fromClient - before.fromClient, 0, 'no packet from the client reached the origin');
    assert.ok(afterwards.fromProvider - before.fromProvider > 100, line);
    const access = readFileSync(join(stateDir, 'access.log'), 'utf8').trim().split('\n').at(-1) ?? '';
    assert.ok(access.startsWith(`${p.ip} `), `nginx logged ${access}`);
  });

  it("the provider's claim grows with the VPN's bytes, and the exit never sees the client's address", {
    timeout: STEP_TIMEOUT_MS,
  }, async () => {
    type ProviderStatus = { bytesServed: number };
    type ClientStatus = { path: { paidWei: string }[] };
    const served0 = (await status<ProviderStatus>(p, provider.api)).bytesServed;
    const paid0 = BigInt((await status<ClientStatus>(c, first.info.api)).path[0]?.paidWei ?? '0');
    const download = await sh(c, 'curl', [
      '-sS',
      '--max-time',
      '60',
      '-o',
      '/dev/null',
      '-w',
      '%{size_download}',
      `http://${o.ip}/big.bin`,
    ]);
    assert.equal(download.code, 0, download.stderr);
    assert.equal(Number(download.out), BIG_FILE_BYTES);
    const served = (await status<ProviderStatus>(p, provider.api)).bytesServed - served0;
    assert.ok(served >= BIG_FILE_BYTES, `the provider counted ${served} bytes for a ${BIG_FILE_BYTES}-byte download`);
    let paid = paid0;
    for (let i = 0; i < 100 && paid <= paid0; i++) {
      paid = BigInt((await status<ClientStatus>(c, first.info.api)).path[0]?.paidWei ?? '0');
      if (paid <= paid0) await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(paid > paid0, 'the client paid for the VPN bytes');
    // wireguard-go at the exit knows its peer only at 127.0.0.1 (the gateway's end of the flow).
    const endpoints = await must(p, 'wg', ['show', gatewayIf, 'endpoints']);
    assert.match(endpoints, /127\.0\.0\.1:\d+/);
    assert.ok(!endpoints.includes(c.ip), endpoints);
    // And the exit's own address on the VPN subnet is no destination.
    const gatewayPage = await sh(c, 'curl', ['-sS', '--max-time', '3', 'http://10.213.0.1/']);
    assert.notEqual(gatewayPage.code, 0);
  });

  it('SIGTERM tears the VPN down: routes, resolv.conf and nftables as before', {
    timeout: STEP_TIMEOUT_MS,
  }, async () => {
    await first.daemon.stop(20_000);
    assert.equal(await routes(), routesBefore);
    assert.equal(readFileSync(resolvFile, 'utf8'), resolvBefore());
    assert.doesNotMatch(await must(c, 'nft', ['list', 'tables']), /bandex_vpn/);
    assert.doesNotMatch(await must(c, 'ip', ['link', 'show']), new RegExp(clientIf));
  });

  it('kill -9: no packet leaves for the origin (plain, DNS, tunnel) until bandex vpn down', {
    timeout: STEP_TIMEOUT_MS,
  }, async () => {
    const second = await startClient();
    assert.match((await sh(c, 'curl', ['-sS', '--max-time', '20', `http://${o.ip}/`])).out, /hello/, logs());
    second.daemon.child.kill('SIGKILL');
    await second.daemon.stop(1_000);
    const before = await originCounters();
    const curl = await sh(c, 'curl', ['-sS', '--max-time', '3', `http://${o.ip}/`]);
    assert.notEqual(curl.code, 0, 'curl must fail with the client dead');
    const viaResolvConf = await sh(c, 'dig', ['+time=1', '+tries=1', ORIGIN_NAME]);
    const direct = await sh(c, 'dig', ['+time=1', '+tries=1', `@${o.ip}`, ORIGIN_NAME]);
    assert.notEqual(viaResolvConf.code, 0, 'DNS through resolv.conf must fail');
    assert.notEqual(direct.code, 0, 'DNS straight to a resolver must fail');
    const iperf = await sh(c, 'iperf3', ['-c', o.ip, '-u', '-b', '1M', '-t', '1', '--connect-timeout', '1000']);
    assert.notEqual(iperf.code, 0);
    const afterwards = await originCounters();
    assert.equal(afterwards.fromClient - before.fromClient, 0, 'nothing from the client address');
    assert.equal(afterwards.fromProvider - before.fromProvider, 0, 'nothing through the dead tunnel');

    const down = await sh(c, process.execPath, [BANDEX, 'vpn', 'down', '--state-dir', join(stateDir, 'client')]);
    assert.equal(down.code, 0, down.stderr);
    assert.equal(await routes(), routesBefore);
    assert.equal(readFileSync(resolvFile, 'utf8'), resolvBefore());
    assert.match(await must(c, 'curl', ['-sS', '--max-time', '10', `http://${o.ip}/`]), /hello from the origin/);
    assert.ok((await originCounters()).fromClient > afterwards.fromClient, 'direct again after vpn down');
  });
});
