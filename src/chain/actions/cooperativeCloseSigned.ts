/**
 * A cooperative close that anyone submits with both parties' signatures of `CloseChannel(channelId, amount)`
 * (`signCloseChannel`): the way a one-time payer key, which holds no gas, gets its unspent rest back at once.
 * The payee is paid, the rest goes to the channel's `refundTo`.
 */
import type { Hex, TransactionReceipt } from 'viem';
import { paymentChannelsAbi } from '../abi/paymentChannels.ts';
import type { ChainClient } from '../chainClient.ts';
import type { Deployment } from '../deployment.ts';
import { type SendTransactionErrorType, sendTransaction, type TransactionOptions } from './sendTransaction.ts';

export type CooperativeCloseSignedParameters = TransactionOptions & {
  deployment: Deployment;
  channelId: Hex;
  /** The final cumulative amount both signed. */
  amount: bigint;
  payerSignature: Hex;
  payeeSignature: Hex;
};
export type CooperativeCloseSignedErrorType = SendTransactionErrorType;

/**
 * @example
 * await cooperativeCloseSigned(client, { deployment, channelId, amount, payerSignature, payeeSignature });
 */
export function cooperativeCloseSigned(
  client: ChainClient,
  {
    deployment,
    channelId,
    amount,
    payerSignature,
    payeeSignature,
    label = 'cooperative close',
    onProgress,
  }: CooperativeCloseSignedParameters,
): Promise<TransactionReceipt> {
  return sendTransaction(client, {
    address: deployment.contracts.channels,
    abi: paymentChannelsAbi,
    functionName: 'cooperativeCloseSigned',
    args: [channelId, amount, payerSignature, payeeSignature],
    label,
    onProgress,
  });
}
