/** Adds RBT to a payment channel's deposit (approving the channels contract first when needed). */
import type { Hex, TransactionReceipt } from 'viem';
import { paymentChannelsAbi } from '../abi/paymentChannels.ts';
import type { ChainClient } from '../chainClient.ts';
import type { Deployment } from '../deployment.ts';
import { approveIfNeeded } from './approveIfNeeded.ts';
import { type SendTransactionErrorType, sendTransaction, type TransactionOptions } from './sendTransaction.ts';

export type TopUpChannelParameters = TransactionOptions & {
  deployment: Deployment;
  channelId: Hex;
  /** RBT wei to add. */
  amount: bigint;
};
export type TopUpChannelReturnType = TransactionReceipt;
export type TopUpChannelErrorType = SendTransactionErrorType;

/**
 * @example
 * await topUpChannel(client, { deployment, channelId, amount: 25n * 10n ** 18n });
 */
export async function topUpChannel(
  client: ChainClient,
  { deployment, channelId, amount, label = 'top up channel', onProgress }: TopUpChannelParameters,
): Promise<TopUpChannelReturnType> {
  const { channels, token } = deployment.contracts;
  await approveIfNeeded(client, { token, spender: channels, amount, label: 'approve RBT', onProgress });
  return sendTransaction(client, {
    address: channels,
    abi: paymentChannelsAbi,
    functionName: 'topUp',
    args: [channelId, amount],
    label,
    onProgress,
  });
}
