/** Selling RBT back to the bonding curve for the reserve token (the curve burns it; no approval needed). */
import { parseEventLogs, type TransactionReceipt } from 'viem';
import { bondingCurveAbi } from '../abi/bondingCurve.ts';
import type { ChainClient } from '../chainClient.ts';
import type { Deployment } from '../deployment.ts';
import { type SendTransactionErrorType, sendTransaction, type TransactionOptions } from './sendTransaction.ts';

export type SellRbtParameters = TransactionOptions & {
  deployment: Deployment;
  /** RBT wei to sell. */
  tokensIn: bigint;
  /** Revert if less reserve would be paid (slippage protection). */
  minReserveOut?: bigint;
};
export type SellRbtReturnType = {
  /** Reserve base units paid, or undefined if the receipt carries no `Sold` event. */
  reserveOut: bigint | undefined;
  /** The curve's spot price after the sale. */
  spotPrice: bigint;
  receipt: TransactionReceipt;
};
export type SellRbtErrorType = SendTransactionErrorType;

/**
 * @example
 * const { reserveOut } = await sellRbt(client, { deployment, tokensIn: 10n ** 18n, minReserveOut });
 */
export async function sellRbt(
  client: ChainClient,
  { deployment, tokensIn, minReserveOut = 0n, label = 'sell RBT', onProgress }: SellRbtParameters,
): Promise<SellRbtReturnType> {
  const receipt = await sendTransaction(client, {
    address: deployment.contracts.curve,
    abi: bondingCurveAbi,
    functionName: 'sell',
    args: [tokensIn, minReserveOut],
    label,
    onProgress,
  });
  const [sold] = parseEventLogs({ abi: bondingCurveAbi, logs: receipt.logs, eventName: 'Sold' });
  return { reserveOut: sold?.args.reserveOut, spotPrice: sold?.args.spotPrice ?? 0n, receipt };
}
