/**
 * The local network that `npm start` runs: the embedded chain with the contracts, three providers
 * (each registered and staked, with its own state directory, tunnel port, API and log file, each
 * serving at most its registered 16 MB/s), three staked auditors measuring every provider each
 * 20 s epoch, and a client serving SOCKS5 and an HTTP proxy, paying every byte through payment
 * channels. `faulty` adds a misbehaving provider for the auditors to catch. Everything
 * runs on loopback, with the exit policy's devnet exception for loopback destinations; providers
 * redeem what they earned within seconds. A network dashboard (every provider by address, the
 * client, the token) is served on its own local port; with `demo`, a traffic generator downloads
 * from a local origin through the client so earnings move. `stop()` ends everything it started.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { type Address, createTestClient, http, parseUnits, publicActions } from 'viem';
import { startDaemonApi } from '../api/startDaemonApi.ts';
import { MIN_EPOCH_MS } from '../audit/constants.ts';
import { type Auditor, startAuditor } from '../audit/startAuditor.ts';
import { buyRbt } from '../chain/actions/buyRbt.ts';
import { readRegistryParameter } from '../chain/actions/readRegistryParameter.ts';
import { registerAuditor } from '../chain/actions/registerAuditor.ts';
import { registerProvider } from '../chain/actions/registerProvider.ts';
import { createChainClient } from '../chain/chainClient.ts';
import type { Deployment } from '../chain/deployment.ts';
import { devnetParameters } from '../chain/deployPresets.ts';
import { DEV_ACCOUNT_INDEX, devAccount } from '../chain/devAccounts.ts';
import { startEmbeddedChain } from '../chain/startEmbeddedChain.ts';
import { type Client, startClient } from '../client/startClient.ts';
import { networkViewReader } from '../daemon/readNetworkView.ts';
import { createLogger, type Logger, silentLogger } from '../log/logger.ts';
import { loadOrCreatePeerKey } from '../net/loadOrCreatePeerKey.ts';
import { detectDevnetChanges } from '../provider/metrics.ts';
import { type Provider, startProvider } from '../provider/startProvider.ts';
import type { TransportListenConfig } from '../transport/listenTransport.ts';
import { removeCert, type SelfSignedCert, selfSignedCert } from '../transport/selfSignedCert.ts';
import type { TransportName } from '../transport/transportSpec.ts';
import { createBlackhole } from './blackhole.ts';
import { createCustomerBlackhole } from './blackholeCustomers.ts';
import { type DemoTraffic, startDemoTraffic } from './demoTraffic.ts';
import type { FaultMode } from './faultModes.ts';
import { fundLikeACustomer } from './fundLikeACustomer.ts';

/** The devnet's JSON line (`bandex devnet --json`). */
export type DevnetInfo = {
  rpc: string;
  chainId: number;
  contracts: { token: Address; curve: Address; registry: Address; channels: Address; governor: Address };
  deployment: string;
  stateDir: string;
  socks: string;
  httpProxy: string;
  client: { address: Address; api: string; hops: number };
  providers: {
    address: Address;
    peerId: string;
    api: string;
    priceWeiPerGiB: string;
    /** Registered capacity claim, bytes per second. */
    capacityBytesPerSecond: number;
    log: string;
    /** Set on the one misbehaving provider (`--faulty`). */
    faulty?: FaultMode;
  }[];
  /** Staked auditors measuring every provider each epoch (`epochMs`). */
  auditors: { address: Address; api: string; log: string }[];
  /** libp2p multiaddrs (with `/p2p/<id>`) another node joins the devnet through: the providers'. */
  bootstrap: string[];
  epochMs: number;
  /** The network dashboard: every provider, the client, the token (each daemon's `api` serves its own at `/`). */
  dashboard: string;
  /** With `demo`: the local origin the traffic generator downloads from (`/bytes/<n>`). */
  demoOrigin?: string;
};

export type Devnet = {
  info: DevnetInfo;
  providers: Provider[];
  auditors: Auditor[];
  client: Client;
  stop(): Promise<void>;
};

export type StartDevnetParameters = {
  port?: number;
  stateDir?: string;
  /** Providers in the client's path (1 to 3). */
  hops?: number;
  /** How many providers to run (at least `hops`). */
  providers?: number;
  /**
   * How the client reaches hop 1, in order of preference (`plain` by default). Every provider serves
   * obfs (a fresh pre-shared key) and wss (a self-signed certificate, pinned in its offer, `bind=1`) besides plain,
   * and obfs4 (Debian's obfs4proxy) when this names it.
   */
  transports?: TransportName[];
  /** Replaces the obfs and wss listeners of provider `index` (tests: a fixed port, an announced proxy in front). */
  providerTransports?: (index: number) => (TransportListenConfig & { announce?: string })[];
  /** Provider `index` is a bridge: its obfuscated transports are in `<its state dir>/bridge.txt`, not in its offer. */
  providerBridge?: (index: number) => boolean;
  /** The client's spending cap per channel in RBT wei (default: the deposit). */
  clientBudgetWei?: bigint;
  /** Port of the network dashboard (0 picks a free one). */
  dashboardPort?: number;
  /** Run the demo traffic generator (what `npm start` does). */
  demo?: boolean;
  /**
   * Add one misbehaving provider per mode, cheaper than every honest one, so the client chooses them
   * until the audits catch them.
   */
  faulty?: readonly FaultMode[];
  /** For a `blackhole`: bytes it serves honestly before dropping traffic (default 0). */
  faultyAfterBytes?: number;
  /** Staked auditors to run (0 to 3; default 3, the registry's quorum is 2). */
  auditors?: number;
  /** Audit epoch (default 20 s, so a black hole is caught and slashed within a minute). */
  epochMs?: number;
  /**
   * What each honest provider claims and serves, bytes per second (default 16 MB/s). An honest claim is one the
   * machine can carry while it is measured: on two busy cores, lower it.
   */
  capacityBytesPerSecond?: number;
  logger?: Logger;
};

/** Prices of the devnet's providers in RBT per GiB: distinct, so selection by price is visible. */
const PROVIDER_PRICES_RBT = ['100', '120', '150', '180', '200'];
/** Dev-mnemonic account indexes of the providers (the client is 1; auditors below). */
const PROVIDER_ACCOUNTS = [2, 3, 4, 6, 7, 10, 11, 12];
/** Dev-mnemonic account indexes of the auditors. */
const AUDITOR_ACCOUNTS = [5, 8, 9];
/** Misbehaving providers undercut everyone, so they are chosen until the audits catch them. */
const FAULTY_PRICES_RBT = ['80', '85', '90', '95'];
/** How stale the devnet chain's latest block may get before the heartbeat mines one. */
const HEARTBEAT_MS = 1_000;
/** Funded accounts of the embedded chain (indexes 0–12 are used). */
const DEV_ACCOUNTS = 20;
/**
 * Every devnet provider claims 16 MB/s and serves at most what its limiter allows: its claim, or for
 * `throttle` a tenth of it; `overclaim` registers ten times what it serves.
 */
const DEVNET_CAPACITY = 16_000_000;
/** Reserve spent on RBT by each account: a provider and an auditor need their stake, a customer its channel deposits. */
const AUDITOR_RESERVE = 3_000n * 10n ** 6n;
const PROVIDER_RESERVE = 1_000n * 10n ** 6n;
const CUSTOMER_RESERVE = 5_000n * 10n ** 6n;
/**
 * Each customer channel deposit: 1,000 RBT pays for 10 GiB at 100 RBT/GiB. The auditors' probe keys
 * deposit the same and are funded the same way (`fundLikeACustomer`), so neither is a tell.
 */
const CUSTOMER_DEPOSIT = parseUnits('1000', 18);
/** Devnet redemption: every claim within 10 s (gas is free here); a real provider waits for value. */
const DEVNET_REDEEM_POLICY = { minRedeemWei: 2n ** 255n, maxIntervalMs: 10_000, minGasMultiple: 0n };

/** The daemons' log files keep at least `info` (sessions, redemptions) whatever the console shows. */
const DAEMON_LOG_LEVEL = ['debug', 'trace'].includes(process.env.LOG_LEVEL ?? '') ? process.env.LOG_LEVEL : 'info';

export async function startDevnet(params: StartDevnetParameters = {}): Promise<Devnet> {
  const logger = params.logger ?? silentLogger;
  const hops = params.hops ?? 1;
  const honestCount = Math.max(params.providers ?? 3, hops);
  const faulty = params.faulty ?? [];
  if (faulty.length > FAULTY_PRICES_RBT.length) throw new Error(`at most ${FAULTY_PRICES_RBT.length} faulty providers`);
  if (honestCount > PROVIDER_PRICES_RBT.length) throw new Error(`at most ${PROVIDER_PRICES_RBT.length} providers`);
  const providerCount = honestCount + faulty.length;
  const auditorCount = params.auditors ?? 3;
  if (auditorCount < 0 || auditorCount > AUDITOR_ACCOUNTS.length)
    throw new Error(`0 to ${AUDITOR_ACCOUNTS.length} auditors`);
  const epochMs = params.epochMs ?? 20_000;
  if (epochMs % 1_000 !== 0 || epochMs < MIN_EPOCH_MS) throw new Error('the audit epoch is whole seconds, at least 10');
  const stateDir = params.stateDir ?? mkdtempSync(join(tmpdir(), 'bandex-devnet-'));
  const capacity = params.capacityBytesPerSecond ?? DEVNET_CAPACITY;
  const chain = await startEmbeddedChain({
    port: params.port ?? 0,
    accounts: DEV_ACCOUNTS,
    deploymentsDir: join(stateDir, 'deployments'),
    // The registry's epochs are the auditors' epochs; a slash waits one epoch for a dispute.
    overrides:
      BigInt(epochMs / 1_000) === devnetParameters.auditEpochSec
        ? {}
        : { auditEpochSec: BigInt(epochMs / 1_000), disputeWindowSec: BigInt(epochMs / 1_000) },
    logger,
  });
  const stops: (() => Promise<void>)[] = [() => chain.stop()];
  // A real chain makes blocks whether or not anyone sends a transaction; anvil mines only on one. Without a
  // block, "latest" keeps the time of the last transaction, and whatever the contracts judge by time (a
  // finished epoch, a dispute window) would lag the clock: mine an empty block when the chain stood still.
  const heartbeat = chainHeartbeat(chain.anvil.rpcUrl);
  stops.push(async () => heartbeat.stop());
  // One certificate for every provider's wss listener (each offer pins it); made with the openssl CLI:
  // without it the devnet serves obfs only.
  let certificate: SelfSignedCert | undefined;
  try {
    certificate = selfSignedCert();
    const made = certificate;
    stops.push(async () => removeCert(made));
  } catch (error) {
    logger.warn({ err: error }, 'no openssl: the devnet providers serve no wss transport');
  }
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((error) => logger.warn({ err: error }, 'stop failed'));
  };
  try {
    const { deployment } = chain;
    const rpc = chain.anvil.rpcUrl;
    const providers: Provider[] = [];
    const logs: string[] = [];
    const faults: (FaultMode | undefined)[] = [];
    const claims: number[] = [];
    for (let i = 0; i < providerCount; i++) {
      const fault = i >= honestCount ? faulty[i - honestCount] : undefined;
      const dir = join(stateDir, `provider-${i + 1}`);
      mkdirSync(dir, { recursive: true });
      const client = createChainClient(rpc, devAccount(PROVIDER_ACCOUNTS[i] as number));
      const { privateKey } = await loadOrCreatePeerKey(join(dir, 'peer.key'));
      const claim = fault === 'overclaim' ? capacity * 10 : capacity;
      await fundAndRegister(client, deployment, {
        peerId: peerIdFromPrivateKey(privateKey).toString(),
        priceWeiPerGiB: parseUnits((fault ? FAULTY_PRICES_RBT[i - honestCount] : PROVIDER_PRICES_RBT[i]) as string, 18),
        capacityBytesPerSecond: claim,
      });
      const log = join(dir, 'provider.log');
      const providerLogger = createLogger({ name: `provider-${i + 1}`, file: log, level: DAEMON_LOG_LEVEL });
      const provider = await startProvider({
        client,
        deployment,
        stateDir: dir,
        listen: ['/ip4/127.0.0.1/tcp/0'],
        bootstrap: providers[0] ? [providers[0].multiaddrs[0] as string] : [],
        exitPolicy: { devnet: true },
        transports: params.providerTransports?.(i) ?? [
          { name: 'obfs', psk: randomBytes(32) },
          // obfs4proxy (a process per provider) only when the client asks for it.
          ...(params.transports?.includes('obfs4') ? [{ name: 'obfs4' as const, stateDir: join(dir, 'obfs4') }] : []),
          ...(certificate
            ? [
                {
                  name: 'wss' as const,
                  path: `/${randomBytes(16).toString('base64url')}`,
                  tls: { key: certificate.key, cert: certificate.cert },
                  certSha256: certificate.sha256,
                  // Its own TLS, no proxy in front: hop 1 binds to it and sends clear records (`bind=1`).
                  bind: true,
                },
              ]
            : []),
        ],
        bridge: params.providerBridge?.(i),
        redeemPolicy: DEVNET_REDEEM_POLICY,
        confirmations: 0,
        watcherPollMs: 2_000,
        allowPrivateAddresses: true,
        rateLimitBytesPerSecond: fault === 'throttle' ? capacity / 10 : capacity,
        logger: providerLogger,
        onSession:
          fault === 'blackhole'
            ? createBlackhole(params.faultyAfterBytes ?? 0, providerLogger)
            : fault === 'blackhole-customers'
              ? createCustomerBlackhole({ client, deployment, epochMs, logger: providerLogger })
              : undefined,
      });
      stops.push(() => provider.stop());
      providers.push(provider);
      logs.push(log);
      faults.push(fault);
      claims.push(claim);
    }
    const auditors: Auditor[] = [];
    const auditorLogs: string[] = [];
    for (let i = 0; i < auditorCount; i++) {
      const dir = join(stateDir, `auditor-${i + 1}`);
      mkdirSync(dir, { recursive: true });
      const client = createChainClient(rpc, devAccount(AUDITOR_ACCOUNTS[i] as number));
      await buyRbt(client, { deployment, reserveIn: AUDITOR_RESERVE, useFaucet: true });
      await registerAuditor(client, { deployment });
      const log = join(dir, 'auditor.log');
      const auditor = await startAuditor({
        client,
        deployment,
        stateDir: dir,
        listen: ['/ip4/127.0.0.1/tcp/0'],
        bootstrap: providers.map((p) => p.multiaddrs[0] as string),
        epochMs,
        depositWei: CUSTOMER_DEPOSIT,
        fundProbe: (probe) => fundLikeACustomer(probe, { deployment, reserveIn: CUSTOMER_RESERVE }),
        allowPrivateAddresses: true,
        logger: createLogger({ name: `auditor-${i + 1}`, file: log, level: DAEMON_LOG_LEVEL }),
      });
      stops.push(() => auditor.stop());
      auditors.push(auditor);
      auditorLogs.push(log);
    }
    const clientDir = join(stateDir, 'client');
    const clientChain = createChainClient(rpc, devAccount(DEV_ACCOUNT_INDEX.client));
    await fundLikeACustomer(clientChain, { deployment, reserveIn: CUSTOMER_RESERVE });
    const client = await startClient({
      client: clientChain,
      deployment,
      stateDir: clientDir,
      listen: ['/ip4/127.0.0.1/tcp/0'],
      bootstrap: providers.map((p) => p.multiaddrs[0] as string),
      hops,
      transports: params.transports,
      depositWei: CUSTOMER_DEPOSIT,
      budgetWei: params.clientBudgetWei,
      allowPrivateAddresses: true,
      logger: createLogger({ name: 'client', file: join(clientDir, 'client.log'), level: DAEMON_LOG_LEVEL }),
    });
    stops.push(() => client.stop());
    // Build the path now, so the first proxied request does not wait for offers and channels.
    await client.connect();
    const dashboard = await startDaemonApi({
      role: 'devnet',
      port: params.dashboardPort ?? 0,
      logger,
      status: async () => ({
        chain: { rpc, chainId: chain.anvil.chainId },
        client: { api: client.api.url, ...client.status() },
        providers: await Promise.all(providers.map(async (p) => ({ api: p.api.url, ...(await p.status()) }))),
      }),
      detect: detectDevnetChanges,
      sources: {
        network: {
          read: networkViewReader(clientChain, deployment),
          intervalMs: 5_000,
        },
      },
    });
    stops.push(() => dashboard.close());
    let demo: DemoTraffic | undefined;
    if (params.demo) {
      demo = await startDemoTraffic({
        httpProxy: `${client.http.address.host}:${client.http.address.port}`,
        logger,
      });
      stops.push(() => (demo as DemoTraffic).stop());
    }
    const { token, curve, registry, channels, governor } = deployment.contracts;
    const info: DevnetInfo = {
      rpc,
      chainId: chain.anvil.chainId,
      contracts: { token, curve, registry, channels, governor },
      deployment: chain.deploymentFile,
      stateDir,
      socks: `${client.socks.address.host}:${client.socks.address.port}`,
      httpProxy: `${client.http.address.host}:${client.http.address.port}`,
      client: { address: client.address, api: client.api.url, hops },
      providers: providers.map((p, i) => ({
        address: p.address,
        peerId: p.peerId,
        api: p.api.url,
        priceWeiPerGiB: p.priceWeiPerGiB.toString(),
        capacityBytesPerSecond: claims[i] as number,
        log: logs[i] as string,
        ...(faults[i] ? { faulty: faults[i] } : {}),
      })),
      auditors: auditors.map((a, i) => ({ address: a.address, api: a.api.url, log: auditorLogs[i] as string })),
      bootstrap: providers.map((p) => p.multiaddrs[0] as string),
      epochMs,
      dashboard: `${dashboard.url}/`,
      ...(demo ? { demoOrigin: demo.origin } : {}),
    };
    return { info, providers, auditors, client, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

async function fundAndRegister(
  client: ReturnType<typeof createChainClient>,
  deployment: Deployment,
  {
    peerId,
    priceWeiPerGiB,
    capacityBytesPerSecond,
  }: { peerId: string; priceWeiPerGiB: bigint; capacityBytesPerSecond: number },
): Promise<void> {
  const minStake = await readRegistryParameter(client, { deployment, name: 'minStake' });
  await buyRbt(client, { deployment, reserveIn: PROVIDER_RESERVE, useFaucet: true });
  await registerProvider(client, {
    deployment,
    peerId,
    priceWeiPerGiB,
    region: 'DE',
    capacityBytesPerSecond,
    stakeWei: minStake,
  });
}

/** Mines an empty block whenever the latest is more than `HEARTBEAT_MS` old (devnet only: anvil's automine). */
function chainHeartbeat(rpcUrl: string): { stop(): void } {
  const test = createTestClient({ mode: 'anvil', transport: http(rpcUrl) }).extend(publicActions);
  const beat = async () => {
    const { timestamp } = await test.getBlock();
    if (Date.now() - Number(timestamp) * 1_000 >= HEARTBEAT_MS) await test.mine({ blocks: 1 });
  };
  const timer = setInterval(() => void beat().catch(() => {}), HEARTBEAT_MS);
  return { stop: () => clearInterval(timer) };
}
