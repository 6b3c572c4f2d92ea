/**
 * The payer's unilateral close of a payment channel: starts the challenge period, during which the
 * payee may still redeem its latest voucher; `settleChannel` ends the channel after it. With
 * `payerSignature` (`signStartClose` by the channel's payer key) any account submits it: a one-time payer
 * key holds no gas.
 */
import type { Hex, TransactionReceipt } from 'viem';
import { paymentChannelsAbi } from '../abi/paymentChannels.ts';
import type { ChainClient } from '../chainClient.ts';
import type { Deployment } from '../deployment.ts';
import { type SendTransactionErrorType, sendTransaction, type TransactionOptions } from './sendTransaction.ts';

export type StartCloseChannelParameters = TransactionOptions & {
  deployment: Deployment;
  channelId: Hex;
  /** The payer's `StartClose` signature, when the sending account is not the payer. */
  payerSignature?: Hex;
};
export type StartCloseChannelReturnType = TransactionReceipt;
export type StartCloseChannelErrorType = SendTransactionErrorType;

/**
 * @example
 * await startCloseChannel(client, { deployment, channelId });
 */
export function startCloseChannel(
  client: ChainClient,
  { deployment, channelId, payerSignature, label = 'start close', onProgress }: StartCloseChannelParameters,
): Promise<StartCloseChannelReturnType> {
  const address = deployment.contracts.channels;
  if (payerSignature === undefined) {
    return sendTransaction(client, {
      address,
      abi: paymentChannelsAbi,
      functionName: 'startClose',
      args: [channelId],
      label,
      onProgress,
    });
  }
  return sendTransaction(client, {
    address,
    abi: paymentChannelsAbi,
    functionName: 'startCloseSigned',
    args: [channelId, payerSignature],
    label,
    onProgress,
  });
}
