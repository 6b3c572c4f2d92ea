/**
 * The payee's redemption of signed vouchers (with hash-chain ticks) from one or many channels in one
 * transaction; a batch of one costs about a plain redeem, so it is the only redemption path. Anyone
 * may send it; the funds go to each channel's payee. The contract skips an element it cannot redeem (its
 * channel closed meanwhile, nothing new, a bad signature or ticks) instead of reverting the batch: `skipped`
 * says which and why. A batch where every element is skipped reverts (`NothingRedeemed`).
 */
import { type ContractFunctionArgs, type Hex, parseEventLogs, type TransactionReceipt } from 'viem';
import { paymentChannelsAbi } from '../abi/paymentChannels.ts';
import type { ChainClient } from '../chainClient.ts';
import type { Deployment } from '../deployment.ts';
import { type SendTransactionErrorType, sendTransaction, type TransactionOptions } from './sendTransaction.ts';

/** One element of `PaymentChannels.redeemBatch`: a signed voucher and the hash-chain ticks paid beyond it. */
export type Redemption = ContractFunctionArgs<typeof paymentChannelsAbi, 'nonpayable', 'redeemBatch'>[0][number];

export type RedeemBatchParameters = TransactionOptions & { deployment: Deployment; redemptions: readonly Redemption[] };
/** `PaymentChannels.SKIP_*` codes of `RedemptionSkipped`. */
export const SkipReason = {
  1: 'channel not found',
  2: 'invalid signature',
  3: 'invalid ticks',
  4: 'nothing to redeem',
  5: 'another payee',
} as const satisfies Record<number, string>;
export type RedeemBatchReturnType = {
  receipt: TransactionReceipt;
  skipped: { channelId: Hex; reason: string }[];
};
export type RedeemBatchErrorType = SendTransactionErrorType;

/**
 * @example
 * await redeemBatch(client, { deployment, redemptions: claims.map(toRedemption) });
 */
export async function redeemBatch(
  client: ChainClient,
  { deployment, redemptions, label = 'redeem', onProgress }: RedeemBatchParameters,
): Promise<RedeemBatchReturnType> {
  const receipt = await sendTransaction(client, {
    address: deployment.contracts.channels,
    abi: paymentChannelsAbi,
    functionName: 'redeemBatch',
    args: [redemptions],
    label,
    onProgress,
  });
  const skipped = parseEventLogs({ abi: paymentChannelsAbi, logs: receipt.logs, eventName: 'RedemptionSkipped' }).map(
    ({ args }) => ({
      channelId: args.channelId,
      reason: SkipReason[Number(args.reason) as keyof typeof SkipReason] ?? `reason ${args.reason}`,
    }),
  );
  return { receipt, skipped };
}
