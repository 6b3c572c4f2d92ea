/**
 * The bonding curve's state: spot price, reserve ratio, RBT supply and reserve held. What
 * `bandex token price` and the network status show.
 */
import { readContract } from 'viem/actions';
import { bondingCurveAbi } from '../abi/bondingCurve.ts';
import type { ReadClient } from '../chainClient.ts';
import type { Deployment } from '../deployment.ts';

export type ReadCurveStateParameters = { deployment: Deployment };
export type ReadCurveStateReturnType = {
  /** Reserve base units per 1e18 RBT wei, scaled by 1e18. */
  spotPrice: bigint;
  reserveRatioPpm: bigint;
  /** RBT wei in circulation. */
  supply: bigint;
  /** Reserve base units the curve holds. */
  reserveBalance: bigint;
};
export type ReadCurveStateErrorType = Error;

/**
 * @example
 * const { spotPrice, supply } = await readCurveState(client, { deployment });
 */
export async function readCurveState(
  client: ReadClient,
  { deployment }: ReadCurveStateParameters,
): Promise<ReadCurveStateReturnType> {
  const curve = { address: deployment.contracts.curve, abi: bondingCurveAbi } as const;
  const [spotPrice, reserveRatioPpm, supply, reserveBalance] = await Promise.all([
    readContract(client, { ...curve, functionName: 'spotPrice' }),
    readContract(client, { ...curve, functionName: 'reserveRatioPpm' }),
    readContract(client, { ...curve, functionName: 'supply' }),
    readContract(client, { ...curve, functionName: 'reserveBalance' }),
  ]);
  return { spotPrice, reserveRatioPpm, supply, reserveBalance };
}
