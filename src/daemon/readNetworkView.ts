/**
 * The network as any daemon can see it on chain: the bonding curve's price and reserve ratio, and
 * every registered provider (found through `ProviderRegistered` events since the deployment block)
 * with stake, price, region and capacity, and the served volume proven in zero knowledge in VolumeLedger for
 * the last finished epoch (the network's and each provider's; absent on a deployment without the ledger).
 * Cached for a few seconds: dashboards poll it.
 */
import type { Address, PublicClient } from 'viem';
import { providerRegistryAbi } from '../chain/abi/providerRegistry.ts';
import { readNetworkStatus } from '../chain/actions/readNetworkStatus.ts';
import { readProvider } from '../chain/actions/readProvider.ts';
import { readVolume, readVolumeEpoch } from '../chain/actions/readVolume.ts';
import type { ChainClient } from '../chain/chainClient.ts';
import type { Deployment } from '../chain/deployment.ts';

export type NetworkView = {
  at: number;
  token: { spotPrice: string; reserveRatioPpm: string; supplyWei: string; reserveBalance: string; feeBps: string };
  blockNumber: string;
  providers: {
    address: Address;
    peerId?: string;
    stakeWei: string;
    priceWeiPerGiB: string;
    region: string;
    capacityBytesPerSecond: number;
    /** Proven served volume of `volume.epoch` (bytes, and RBT wei promised by payers). */
    servedBytes?: string;
    servedValue?: string;
  }[];
  /** The network's proven served volume in the last finished epoch (VolumeLedger.totalVolume). */
  volume?: { epoch: string; bytes: string; value: string; epochLengthSec: string };
};

export function networkViewReader(client: PublicClient | ChainClient, deployment: Deployment, cacheMs = 4_000) {
  const known = new Set<Address>();
  let scannedTo = BigInt(deployment.deploymentBlock) - 1n;
  let cache: { at: number; view: Promise<NetworkView> } | undefined;
  const read = async (): Promise<NetworkView> => {
    const status = await readNetworkStatus(client as PublicClient, { deployment });
    const head = BigInt(status.blockNumber);
    if (head > scannedTo) {
      const logs = await client.getContractEvents({
        address: deployment.contracts.registry,
        abi: providerRegistryAbi,
        eventName: 'ProviderRegistered',
        fromBlock: scannedTo + 1n,
        toBlock: head,
      });
      for (const log of logs) {
        const provider = (log.args as { provider?: Address }).provider;
        if (provider) known.add(provider);
      }
      scannedTo = head;
    }
    const volumeEpoch = deployment.contracts.volumeLedger
      ? await readVolumeEpoch(client as PublicClient, { deployment })
      : undefined;
    const epoch = volumeEpoch && volumeEpoch.current > 0n ? volumeEpoch.current - 1n : undefined;
    const providers: NetworkView['providers'] = [];
    for (const address of known) {
      const p = await readProvider(client, { deployment, provider: address });
      if (!p.registered) continue;
      const served =
        epoch === undefined
          ? undefined
          : await readVolume(client as PublicClient, { deployment, epoch, provider: address });
      providers.push({
        address,
        peerId: p.peerId,
        stakeWei: p.stakeWei.toString(),
        priceWeiPerGiB: p.priceWeiPerGiB.toString(),
        region: p.region,
        capacityBytesPerSecond: p.capacityBytesPerSecond,
        ...(served ? { servedBytes: served.bytes.toString(), servedValue: served.value.toString() } : {}),
      });
    }
    const total = epoch === undefined ? undefined : await readVolume(client as PublicClient, { deployment, epoch });
    return {
      at: Date.now(),
      blockNumber: status.blockNumber,
      token: {
        spotPrice: status.spotPrice,
        reserveRatioPpm: status.reserveRatioPpm,
        supplyWei: status.supplyWei,
        reserveBalance: status.reserveBalance,
        feeBps: status.feeBps,
      },
      providers,
      ...(total && volumeEpoch && epoch !== undefined
        ? {
            volume: {
              epoch: epoch.toString(),
              bytes: total.bytes.toString(),
              value: total.value.toString(),
              epochLengthSec: volumeEpoch.epochLength.toString(),
            },
          }
        : {}),
    };
  };
  return (): Promise<NetworkView> => {
    if (!cache || Date.now() - cache.at >= cacheMs) {
      const view = read();
      cache = { at: Date.now(), view };
      view.catch(() => {
        cache = undefined;
      });
    }
    return cache.view;
  };
}
