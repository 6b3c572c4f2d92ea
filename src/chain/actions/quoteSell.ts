/** The reserve the bonding curve would pay for an amount of RBT now (before slippage). */
import { readContract } from 'viem/actions';
import { bondingCurveAbi } from '../abi/bondingCurve.ts';
import type { ReadClient } from '../chainClient.ts';
import type { Deployment } from '../deployment.ts';

export type QuoteSellParameters = { deployment: Deployment /** RBT wei to sell. */; tokensIn: bigint };
/** Reserve base units. */
export type QuoteSellReturnType = bigint;
export type QuoteSellErrorType = Error;

/**
 * @example
 * const reserveOut = await quoteSell(client, { deployment, tokensIn: 10n ** 18n });
 */
export function quoteSell(
  client: ReadClient,
  { deployment, tokensIn }: QuoteSellParameters,
): Promise<QuoteSellReturnType> {
  return readContract(client, {
    address: deployment.contracts.curve,
    abi: bondingCurveAbi,
    functionName: 'quoteSell',
    args: [tokensIn],
  });
}
