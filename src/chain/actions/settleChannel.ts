/** Ends a closing payment channel after its challenge period: the payer gets the unredeemed rest. Anyone may call it. */
import type { Hex, TransactionReceipt } from 'viem';
import { paymentChannelsAbi } from '../abi/paymentChannels.ts';
import type { ChainClient } from '../chainClient.ts';
import type { Deployment } from '../deployment.ts';
import { type SendTransactionErrorType, sendTransaction, type TransactionOptions } from './sendTransaction.ts';

export type SettleChannelParameters = TransactionOptions & { deployment: Deployment; channelId: Hex };
export type SettleChannelReturnType = TransactionReceipt;
export type SettleChannelErrorType = SendTransactionErrorType;

/**
 * @example
 * await settleChannel(client, { deployment, channelId });
 */
export function settleChannel(
  client: ChainClient,
  { deployment, channelId, label = 'settle channel', onProgress }: SettleChannelParameters,
): Promise<SettleChannelReturnType> {
  return sendTransaction(client, {
    address: deployment.contracts.channels,
    abi: paymentChannelsAbi,
    functionName: 'settle',
    args: [channelId],
    label,
    onProgress,
  });
}
