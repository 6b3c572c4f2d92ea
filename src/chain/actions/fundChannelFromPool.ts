/**
 * Submits a shielded-pool spend: the pool verifies the proof, spends its nullifier, appends its change note and
 * opens the channel `request` with `PaymentChannels.openFor` (funder and refund receiver: the pool). Any account
 * may send it — the proof is bound to the request — so a provider can submit a client's proof and the client's
 * one-time payer key needs no gas. Returns the channel id (from `ChannelFunded`) and the change note's leaf index.
 */
import { type Address, parseEventLogs, type TransactionReceipt } from 'viem';
import { shieldedPoolAbi } from '../abi/shieldedPool.ts';
import type { ChainClient } from '../chainClient.ts';
import { type SendTransactionErrorType, sendTransaction, type TransactionOptions } from './sendTransaction.ts';

/** A spend proof as `ShieldedPool.fundChannel` takes it. */
export type PoolSpendProof = {
  pA: readonly [bigint, bigint];
  pB: readonly [readonly [bigint, bigint], readonly [bigint, bigint]];
  pC: readonly [bigint, bigint];
  root: bigint;
  nullifierHash: bigint;
  changeCommitment: bigint;
};

export type PoolChannelRequest = {
  payer: Address;
  payee: Address;
  amount: bigint;
  premiumBps: bigint;
  refundKey: bigint;
};

export type FundChannelFromPoolParameters = TransactionOptions & {
  pool: Address;
  spend: PoolSpendProof;
  request: PoolChannelRequest;
};
export type FundChannelFromPoolReturnType = {
  channelId: `0x${string}`;
  changeIndex: number;
  receipt: TransactionReceipt;
};
export type FundChannelFromPoolErrorType = SendTransactionErrorType;

/**
 * @example
 * const { channelId } = await fundChannelFromPool(relayer, { pool: deployment.contracts.pool, spend, request });
 */
export async function fundChannelFromPool(
  client: ChainClient,
  { pool, spend, request, onProgress }: FundChannelFromPoolParameters,
): Promise<FundChannelFromPoolReturnType> {
  const receipt = await sendTransaction(client, {
    address: pool,
    abi: shieldedPoolAbi,
    functionName: 'fundChannel',
    args: [spend, request],
    label: 'fund a channel from the shielded pool',
    onProgress,
  });
  const [funded] = parseEventLogs({ abi: shieldedPoolAbi, eventName: 'ChannelFunded', logs: receipt.logs });
  const committed = parseEventLogs({ abi: shieldedPoolAbi, eventName: 'NoteCommitted', logs: receipt.logs });
  const change = committed.find((e) => e.args.commitment === spend.changeCommitment);
  if (!funded || !change) throw new Error('the pool emitted no ChannelFunded / change NoteCommitted');
  return { channelId: funded.args.channelId, changeIndex: Number(change.args.index), receipt };
}
