/**
 * The Bandex SDK: a client in your own process. `createClient` starts what `bandex connect` runs — the
 * control plane, a paid path of 1–3 providers, SOCKS5 and HTTP proxies on loopback — and gives an app a
 * `fetch` that goes through the path, the proxies' addresses for anything else, and what it has spent.
 *
 * @example
 * import { createClient } from 'bandex';
 * const bandex = await createClient({ rpc, deployment: 'deployments/31337.json', privateKey, bootstrap, hops: 3 });
 * const response = await bandex.fetch('https://example.org/');
 * console.log(response.status, bandex.spend().paidWei);
 * await bandex.close();
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProxyAgent, type RequestInfo, type RequestInit, type Response, fetch as undiciFetch } from 'undici';
import type { Address, Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { createChainClient } from '../chain/chainClient.ts';
import { type Deployment, readDeployment } from '../chain/deployment.ts';
import type { ClientStatus } from '../client/metrics.ts';
import type { RegionPolicy } from '../client/selectPath.ts';
import { startClient } from '../client/startClient.ts';
import { type Logger, silentLogger } from '../log/logger.ts';
import { createDeviceFunder } from '../session/ChannelFunder.ts';
import type { TransportName } from '../transport/transportSpec.ts';

export type CreateClientOptions = {
  /** JSON-RPC URL of the chain the network settles on. */
  rpc: string;
  /** The deployment record, or the path of its file (`deployments/<chainId>.json`). */
  deployment: Deployment | string;
  /** The key that pays (holds RBT); keep it in a keystore in production (`bandex wallet`). With `device`, the
   * device key: it holds nothing and pays from its owner's on-chain budget. */
  privateKey: Hex;
  /**
   * A device on a budget: channels are opened from the owner's `DeviceBudgets` balance within the device's
   * budget per period (`fundDeviceBudgets`), the device key signs, and `relayerPrivateKey` (the owner's
   * relayer: gas, no RBT) submits; closes refund the owner.
   */
  device?: { relayerPrivateKey: Hex };
  /** libp2p multiaddrs (with `/p2p/<id>`) to join the network through. */
  bootstrap: string[];
  /** Providers per path, 1 to 3 (default 1). */
  hops?: 1 | 2 | 3;
  /** RBT wei deposited in each new channel (default 10 RBT). */
  depositWei?: bigint;
  /** Most promised on any one channel: a spending cap (default: the deposit). */
  budgetWei?: bigint;
  /** Countries traffic may or may not go through. */
  regions?: RegionPolicy;
  /** How hop 1 may connect, in order of preference (`plain` by default; the bridges' transports with `bridges`). */
  transports?: TransportName[];
  /** Bridge lines (`bandex-bridge:…`): enter through a provider's privately handed-out transports (docs/transports.md). */
  bridges?: string[];
  /** Where channels and receipts are kept (default: a new temporary folder). Reuse it to reuse channels. */
  stateDir?: string;
  /** Dial private (LAN, loopback) libp2p addresses: a local network. */
  allowPrivateAddresses?: boolean;
  logger?: Logger;
};

export type Spend = {
  /** RBT wei promised to providers so far (all paths of this client). */
  paidWei: bigint;
  bytesDown: number;
  bytesUp: number;
  /** Why paying stopped (budget or deposit), if it did. */
  blocked?: string;
};

export type BandexClient = {
  address: Address;
  /** `fetch` through the paid path (the client's HTTP proxy; `https` is tunnelled with CONNECT). */
  fetch(input: RequestInfo, init?: RequestInit): Promise<Response>;
  /** SOCKS5 proxy on loopback (TCP, for any app). */
  socks: { host: string; port: number };
  /** HTTP proxy on loopback. */
  httpProxy: { host: string; port: number };
  /** What this client has spent and carried. */
  spend(): Spend;
  /** The full status: path hop by hop, sessions, failovers. */
  status(): ClientStatus;
  /** Builds the path now (otherwise the first request does). */
  connect(): Promise<void>;
  /** Closes the path (final receipts and vouchers) and stops everything. */
  close(): Promise<void>;
};

const DEFAULT_DEPOSIT_WEI = 10n * 10n ** 18n;

export async function createClient(options: CreateClientOptions): Promise<BandexClient> {
  const deployment = typeof options.deployment === 'string' ? readDeployment(options.deployment) : options.deployment;
  const account = privateKeyToAccount(options.privateKey);
  const chain = createChainClient(options.rpc, account);
  const funder = options.device
    ? createDeviceFunder({
        relayer: createChainClient(options.rpc, privateKeyToAccount(options.device.relayerPrivateKey)),
        deployment,
        device: account,
        logger: options.logger ?? silentLogger,
      })
    : undefined;
  const client = await startClient({
    funder,
    client: chain,
    deployment,
    stateDir: options.stateDir ?? mkdtempSync(join(tmpdir(), 'bandex-sdk-')),
    listen: ['/ip4/127.0.0.1/tcp/0'],
    bootstrap: options.bootstrap,
    hops: options.hops ?? 1,
    regions: options.regions,
    transports: options.transports,
    bridges: options.bridges,
    depositWei: options.depositWei ?? DEFAULT_DEPOSIT_WEI,
    budgetWei: options.budgetWei,
    allowPrivateAddresses: options.allowPrivateAddresses,
    logger: options.logger ?? silentLogger,
  });
  const proxy = client.http.address;
  const dispatcher = new ProxyAgent(`http://${proxy.host}:${proxy.port}`);
  return {
    address: client.address,
    fetch: (input, init) => undiciFetch(input, { ...init, dispatcher }),
    socks: client.socks.address,
    httpProxy: proxy,
    spend: () => {
      const { paidWei, bytesDown, bytesUp, blocked } = client.status();
      return { paidWei, bytesDown, bytesUp, blocked };
    },
    status: () => client.status(),
    connect: () => client.connect(),
    close: async () => {
      await dispatcher.close();
      await client.stop();
    },
  };
}
