/**
 * A snapshot of a Bandex deployment as the chain reports it: block height, the bonding curve's
 * price and reserve ratio, how many providers are registered, the protocol fee.
 */
import { formatUnits, type PublicClient } from 'viem';
import { bondingCurveAbi } from './abi/bondingCurve.ts';
import { paymentChannelsAbi } from './abi/paymentChannels.ts';
import { providerRegistryAbi } from './abi/providerRegistry.ts';
import type { Deployment } from './deployment.ts';

export type NetworkStatus = {
  chainId: number;
  blockNumber: string;
  /** Reserve units per whole RBT, as a decimal string (e.g. "0.01"). */
  spotPrice: string;
  reserveRatioPpm: string;
  supplyWei: string;
  reserveBalance: string;
  providerCount: string;
  feeBps: string;
  contracts: Deployment['contracts'];
};

export async function readNetworkStatus(client: PublicClient, deployment: Deployment): Promise<NetworkStatus> {
  const { curve, registry, channels } = deployment.contracts;
  const [blockNumber, spotPrice, ratio, supply, reserve, providerCount, feeBps] = await Promise.all([
    client.getBlockNumber(),
    client.readContract({ address: curve, abi: bondingCurveAbi, functionName: 'spotPrice' }),
    client.readContract({ address: curve, abi: bondingCurveAbi, functionName: 'reserveRatioPpm' }),
    client.readContract({ address: curve, abi: bondingCurveAbi, functionName: 'supply' }),
    client.readContract({ address: curve, abi: bondingCurveAbi, functionName: 'reserveBalance' }),
    client.readContract({ address: registry, abi: providerRegistryAbi, functionName: 'providerCount' }),
    client.readContract({ address: channels, abi: paymentChannelsAbi, functionName: 'feeBps' }),
  ]);
  return {
    chainId: deployment.chainId,
    blockNumber: blockNumber.toString(),
    // spotPrice is reserve base units per 1e18 RBT wei, scaled by 1e18; the devnet reserve has 6 decimals.
    spotPrice: formatUnits(spotPrice, 18 + 6),
    reserveRatioPpm: ratio.toString(),
    supplyWei: supply.toString(),
    reserveBalance: reserve.toString(),
    providerCount: providerCount.toString(),
    feeBps: feeBps.toString(),
    contracts: deployment.contracts,
  };
}
