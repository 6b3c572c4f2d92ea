/**
 * The payee's redemption of signed vouchers (with hash-chain ticks) from one or many channels in one
 * transaction; a batch of one costs about a plain redeem, so it is the only redemption path. Anyone
 * may send it; the funds go to each channel's payee.
 */
import type { ContractFunctionArgs, TransactionReceipt } from 'viem';
import { paymentChannelsAbi } from '../abi/paymentChannels.ts';
import type { ChainClient } from '../chainClient.ts';
import type { Deployment } from '../deployment.ts';
import { type SendTransactionErrorType, sendTransaction, type TransactionOptions } from './sendTransaction.ts';

/** One element of `PaymentChannels.redeemBatch`: a signed voucher and the hash-chain ticks paid beyond it. */
export type Redemption = ContractFunctionArgs<typeof paymentChannelsAbi, 'nonpayable', 'redeemBatch'>[0][number];

export type RedeemBatchParameters = TransactionOptions & { deployment: Deployment; redemptions: readonly Redemption[] };
export type RedeemBatchReturnType = TransactionReceipt;
export type RedeemBatchErrorType = SendTransactionErrorType;

/**
 * @example
 * await redeemBatch(client, { deployment, redemptions: claims.map(toRedemption) });
 */
export function redeemBatch(
  client: ChainClient,
  { deployment, redemptions, label = 'redeem', onProgress }: RedeemBatchParameters,
): Promise<RedeemBatchReturnType> {
  return sendTransaction(client, {
    address: deployment.contracts.channels,
    abi: paymentChannelsAbi,
    functionName: 'redeemBatch',
    args: [redemptions],
    label,
    onProgress,
  });
}
