/**
 * The VPN's network-namespace lab (issue 19), shared by `test/e2e/vpn.netns.test.ts` and `bench/vpn.ts`:
 * namespaces hung off the root one (which routes between them and runs anvil) — a client `c`, an exit
 * provider `p` (`bandex node --vpn`: wireguard-go, NAT) and an origin `o` running nginx, dnsmasq (it alone
 * knows `ORIGIN_NAME`) and an iperf3 server, whose nftables input chain counts packets by source (the
 * client's own address vs the provider's). `startClient()` starts `bandex connect --vpn` in `c`.
 * `c`'s resolver file (bind-mounted by `ip netns exec`) starts out pointing at the origin's dnsmasq, so a
 * query that leaked would be counted as the client's. Everything is removed by `stop()` (and the
 * namespaces, as a last resort, when the process exits).
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { parseUnits } from 'viem';
import { providerRegistryAbi } from '../../src/chain/abi/providerRegistry.ts';
import { buyRbt } from '../../src/chain/actions/buyRbt.ts';
import { registerProvider } from '../../src/chain/actions/registerProvider.ts';
import { createChainClient } from '../../src/chain/chainClient.ts';
import { devAccount, devPrivateKey } from '../../src/chain/devAccounts.ts';
import { type EmbeddedChain, startEmbeddedChain } from '../../src/chain/startEmbeddedChain.ts';
import { loadOrCreatePeerKey } from '../../src/net/loadOrCreatePeerKey.ts';
import { BANDEX, ROOT } from './cli.ts';
import { createTopology, type Daemon, execIn, type Namespace, startDaemonIn, type Topology, tail } from './netns.ts';

export const ORIGIN_NAME = 'origin.test';
const PROVIDER_ACCOUNT = 2;
const CLIENT_ACCOUNT = 1;
const STEP_TIMEOUT_MS = 180_000;

/** Tools the lab runs, with the Debian package each comes from. */
const TOOLS: [string, string[], string][] = [
  ['wireguard-go', ['--version'], 'wireguard-go'],
  ['wg', ['--version'], 'wireguard-tools'],
  ['nft', ['--version'], 'nftables'],
  ['nginx', ['-v'], 'nginx-light'],
  ['dnsmasq', ['--version'], 'dnsmasq'],
  ['dig', ['-v'], 'dnsutils'],
  ['iperf3', ['--version'], 'iperf3'],
];

/** The first tool missing, as a sentence naming its package; undefined when all are there. */
export function missingVpnLabTool(): string | undefined {
  for (const [command, args, pkg] of TOOLS) {
    const probe = spawnSync(command, args, { stdio: 'ignore' });
    if ((probe.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
      return `${command} is missing: apt-get install ${pkg} (.ci/run installs it)`;
    }
  }
  return undefined;
}

export type ProviderInfo = { address: string; multiaddrs: string[]; api: string; vpn?: { interface: string } };
export type ClientInfo = { api: string; socks: string; vpn?: { interface: string; address: string; dns: string[] } };
export type Counters = { fromClient: number; fromProvider: number };
export type Shell = { code: number | null; out: string; stderr: string };

export type VpnLab = {
  c: Namespace;
  p: Namespace;
  o: Namespace;
  stateDir: string;
  clientDir: string;
  provider: ProviderInfo;
  clientIf: string;
  gatewayIf: string;
  /** `c`'s resolver file and what it held before any VPN. */
  resolvFile: string;
  resolvBefore: string;
  /** A file of `bigBytes` bytes at `http://<o.ip>/big.bin`. */
  bigBytes: number;
  sh(ns: Namespace, command: string, args: string[], timeoutMs?: number): Promise<Shell>;
  /** As `sh`, throwing with the output unless the command exits 0. */
  must(ns: Namespace, command: string, args: string[], timeoutMs?: number): Promise<string>;
  originCounters(): Promise<Counters>;
  status<T>(ns: Namespace, api: string): Promise<T>;
  startClient(): Promise<{ daemon: Daemon; info: ClientInfo }>;
  logs(): string;
  stop(): Promise<void>;
};

export async function startVpnLab({ bigBytes = 4 * 1024 * 1024 } = {}): Promise<VpnLab> {
  const stateDir = mkdtempSync(join(tmpdir(), 'bandex-vpn-'));
  chmodSync(stateDir, 0o755);
  const daemons: Daemon[] = [];
  const helpers: ReturnType<typeof spawn>[] = [];
  const clientIf = `bxc${process.pid % 1_000_000}`;
  const gatewayIf = `bxg${process.pid % 1_000_000}`;
  const clientDir = join(stateDir, 'client');
  let topology: Topology | undefined;
  let chain: EmbeddedChain | undefined;
  let c: Namespace | undefined;
  const stop = async () => {
    await Promise.all(daemons.map((d) => d.stop(5_000).catch(() => {})));
    for (const child of helpers) child.kill('SIGKILL');
    // Whatever a failed run left: the client's VPN (its namespace goes anyway), wireguard-go's sockets.
    if (c) {
      spawnSync('ip', ['netns', 'exec', c.name, process.execPath, BANDEX, 'vpn', 'down', '--state-dir', clientDir], {
        cwd: ROOT,
        stdio: 'ignore',
      });
    }
    for (const name of [clientIf, gatewayIf]) rmSync(`/var/run/wireguard/${name}.sock`, { force: true });
    topology?.destroy();
    if (c) rmSync(join('/etc/netns', c.name), { recursive: true, force: true });
    await chain?.stop().catch(() => {});
    rmSync(stateDir, { recursive: true, force: true });
  };
  const sh = async (ns: Namespace, command: string, args: string[], timeoutMs = 60_000): Promise<Shell> => {
    const result = await execIn(ns, command, args, timeoutMs);
    return { code: result.code, out: result.stdout.toString(), stderr: result.stderr };
  };
  const must = async (ns: Namespace, command: string, args: string[], timeoutMs = 60_000) => {
    const result = await sh(ns, command, args, timeoutMs);
    if (result.code !== 0) {
      throw new Error(
        `${command} ${args.join(' ')} in ${ns.name} exited ${result.code}: ${result.stderr}${result.out}`,
      );
    }
    return result.out;
  };
  try {
    const missing = missingVpnLabTool();
    if (missing) throw new Error(missing);
    topology = createTopology(['c', 'p', 'o'], { netem: false });
    const [cNs, p, o] = topology.namespaces as [Namespace, Namespace, Namespace];
    c = cNs;
    const resolvFile = join('/etc/netns', c.name, 'resolv.conf');
    const resolvBefore = `nameserver ${o.ip}\n`;
    mkdirSync(join('/etc/netns', c.name), { recursive: true });
    writeFileSync(resolvFile, resolvBefore);

    // The origin: nginx, dnsmasq, iperf3, and counters by source address.
    const www = join(stateDir, 'www');
    mkdirSync(www, { recursive: true });
    writeFileSync(join(www, 'index.html'), 'hello from the origin\n');
    writeFileSync(join(www, 'big.bin'), Buffer.alloc(bigBytes, 7));
    const nginxConf = join(stateDir, 'nginx.conf');
    const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
      .map((t) => `${t}_temp_path ${stateDir}/${t};`)
      .join(' ');
    writeFileSync(
      nginxConf,
      `daemon off; user root; worker_processes 1; pid ${stateDir}/nginx.pid; error_log ${stateDir}/nginx.err;
events {}
http { access_log ${stateDir}/access.log; sendfile on; ${temp}
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
      helpers.push(spawn('ip', ['netns', 'exec', o.name, command, ...args], { stdio: 'ignore' }));
    }

    chain = await startEmbeddedChain({ host: '0.0.0.0', port: 0, deploymentsDir: join(stateDir, 'deployments') });
    const localRpc = `http://127.0.0.1:${chain.anvil.port}`;
    const { deployment, deploymentFile } = chain;
    const keyFile = (name: string, index: number) => {
      const file = join(stateDir, `${name}.key`);
      writeFileSync(file, `${devPrivateKey(index)}\n`, { mode: 0o600 });
      return file;
    };
    const env = { XDG_CONFIG_HOME: join(stateDir, 'config'), XDG_DATA_HOME: join(stateDir, 'data') };

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
    const provider = JSON.parse(providerDaemon.firstLine) as ProviderInfo;

    const client = createChainClient(localRpc, devAccount(CLIENT_ACCOUNT));
    await buyRbt(client, { deployment, reserveIn: 5_000n * 10n ** 6n, useFaucet: true });
    mkdirSync(clientDir, { recursive: true });
    const clientArgs = [
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
    const clientNs = c;
    return {
      c,
      p,
      o,
      stateDir,
      clientDir,
      provider,
      clientIf,
      gatewayIf,
      resolvFile,
      resolvBefore,
      bigBytes,
      sh,
      must,
      originCounters: async () => {
        const listing = await must(o, 'nft', ['list', 'chain', 'inet', 'bxorigin', 'input']);
        const count = (ip: string) =>
          Number(new RegExp(`ip saddr ${ip.replace(/\./g, '\\.')} counter packets (\\d+)`).exec(listing)?.[1] ?? NaN);
        return { fromClient: count(clientNs.ip), fromProvider: count(p.ip) };
      },
      status: async <T>(ns: Namespace, api: string): Promise<T> =>
        JSON.parse(await must(ns, 'curl', ['-sS', '--fail', '--max-time', '30', `${api}/api/status`])) as T,
      startClient: async () => {
        const daemon = await startDaemonIn(clientNs, clientArgs, { timeoutMs: STEP_TIMEOUT_MS, env });
        daemons.push(daemon);
        return { daemon, info: JSON.parse(daemon.firstLine) as ClientInfo };
      },
      logs: () => daemons.map((d, i) => `--- daemon ${i + 1} ---\n${tail(d.stderr(), 25)}`).join('\n'),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
