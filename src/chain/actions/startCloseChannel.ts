/**
 * The payer's unilateral close of a payment channel: starts the challenge period, during which the
 * payee may still redeem its latest voucher; `settleChannel` ends the channel after it.
 */
import type { Hex, TransactionReceipt } from 'viem';
import { paymentChannelsAbi } from '../abi/paymentChannels.ts';
import type { ChainClient } from '../chainClient.ts';
import type { Deployment } from '../deployment.ts';
import { type SendTransactionErrorType, sendTransaction, type TransactionOptions } from './sendTransaction.ts';

export type StartCloseChannelParameters = TransactionOptions & { deployment: Deployment; channelId: Hex };
export type StartCloseChannelReturnType = TransactionReceipt;
export type StartCloseChannelErrorType = SendTransactionErrorType;

/**
 * @example
 * await startCloseChannel(client, { deployment, channelId });
 */
export function startCloseChannel(
  client: ChainClient,
  { deployment, channelId, label = 'start close', onProgress }: StartCloseChannelParameters,
): Promise<StartCloseChannelReturnType> {
  return sendTransaction(client, {
    address: deployment.contracts.channels,
    abi: paymentChannelsAbi,
    functionName: 'startClose',
    args: [channelId],
    label,
    onProgress,
  });
}
