/**
 * A snapshot of a Bandex deployment as the chain reports it: block height, the bonding curve's
 * price and reserve ratio, how many providers are registered, the protocol fee.
 */
import { formatUnits } from 'viem';
import { getBlockNumber, readContract } from 'viem/actions';
import { paymentChannelsAbi } from '../abi/paymentChannels.ts';
import type { ReadClient } from '../chainClient.ts';
import type { Deployment } from '../deployment.ts';
import { readCurveState } from './readCurveState.ts';
import { readRegistryParameter } from './readRegistryParameter.ts';

/** The devnet reserve token's decimals: the spot price is shown in whole reserve units per RBT. */
const RESERVE_DECIMALS = 6;
/** RBT's decimals. */
const RBT_DECIMALS = 18;

export type ReadNetworkStatusParameters = { deployment: Deployment };

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
export type ReadNetworkStatusReturnType = NetworkStatus;
export type ReadNetworkStatusErrorType = Error;

/**
 * @example
 * const status = await readNetworkStatus(client, { deployment });
 */
export async function readNetworkStatus(
  client: ReadClient,
  { deployment }: ReadNetworkStatusParameters,
): Promise<ReadNetworkStatusReturnType> {
  const [blockNumber, curve, providerCount, feeBps] = await Promise.all([
    getBlockNumber(client),
    readCurveState(client, { deployment }),
    readRegistryParameter(client, { deployment, name: 'providerCount' }),
    readContract(client, { address: deployment.contracts.channels, abi: paymentChannelsAbi, functionName: 'feeBps' }),
  ]);
  return {
    chainId: deployment.chainId,
    blockNumber: blockNumber.toString(),
    // spotPrice is reserve base units per 1e18 RBT wei, scaled by 1e18.
    spotPrice: formatUnits(curve.spotPrice, RBT_DECIMALS + RESERVE_DECIMALS),
    reserveRatioPpm: curve.reserveRatioPpm.toString(),
    supplyWei: curve.supply.toString(),
    reserveBalance: curve.reserveBalance.toString(),
    providerCount: providerCount.toString(),
    feeBps: feeBps.toString(),
    contracts: deployment.contracts,
  };
}
