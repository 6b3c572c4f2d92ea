/** The RBT the bonding curve would mint for an amount of reserve now (before slippage). */
import { readContract } from 'viem/actions';
import { bondingCurveAbi } from '../abi/bondingCurve.ts';
import type { ReadClient } from '../chainClient.ts';
import type { Deployment } from '../deployment.ts';

export type QuoteBuyParameters = { deployment: Deployment /** Reserve base units to spend. */; reserveIn: bigint };
/** RBT wei. */
export type QuoteBuyReturnType = bigint;
export type QuoteBuyErrorType = Error;

/**
 * @example
 * const rbtOut = await quoteBuy(client, { deployment, reserveIn: 100_000_000n });
 */
export function quoteBuy(
  client: ReadClient,
  { deployment, reserveIn }: QuoteBuyParameters,
): Promise<QuoteBuyReturnType> {
  return readContract(client, {
    address: deployment.contracts.curve,
    abi: bondingCurveAbi,
    functionName: 'quoteBuy',
    args: [reserveIn],
  });
}
