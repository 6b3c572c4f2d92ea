/**
 * Deposits one note into the shielded pool: `denomination` RBT (an allowance, approved when short) under
 * `noteKey`; the pool computes and appends the commitment `Poseidon(denomination, noteKey)`. Returns the
 * commitment and its leaf index (from `NoteCommitted`).
 */
import { parseEventLogs, type TransactionReceipt } from 'viem';
import { shieldedPoolAbi } from '../abi/shieldedPool.ts';
import type { ChainClient } from '../chainClient.ts';
import type { Deployment } from '../deployment.ts';
import { approveIfNeeded } from './approveIfNeeded.ts';
import { type SendTransactionErrorType, sendTransaction, type TransactionOptions } from './sendTransaction.ts';

export type DepositToPoolParameters = TransactionOptions & {
  deployment: Deployment;
  /** `Poseidon(nullifierKey, secret)` of a fresh note (src/pool/note.ts). */
  noteKey: bigint;
  /** RBT wei: one of the pool's denominations. */
  denomination: bigint;
};
export type DepositToPoolReturnType = { commitment: bigint; leafIndex: number; receipt: TransactionReceipt };
export type DepositToPoolErrorType = SendTransactionErrorType;

/**
 * @example
 * const note = createNote(10n ** 19n);
 * const { leafIndex } = await depositToPool(client, { deployment, noteKey: noteKey(note), denomination: note.value });
 */
export async function depositToPool(
  client: ChainClient,
  { deployment, noteKey, denomination, onProgress }: DepositToPoolParameters,
): Promise<DepositToPoolReturnType> {
  const { pool, token } = deployment.contracts;
  await approveIfNeeded(client, { token, spender: pool, amount: denomination, label: 'approve RBT', onProgress });
  const receipt = await sendTransaction(client, {
    address: pool,
    abi: shieldedPoolAbi,
    functionName: 'deposit',
    args: [noteKey, denomination],
    label: 'deposit into the shielded pool',
    onProgress,
  });
  const [event] = parseEventLogs({ abi: shieldedPoolAbi, eventName: 'NoteCommitted', logs: receipt.logs });
  if (!event) throw new Error('the pool emitted no NoteCommitted for a deposit');
  return { commitment: event.args.commitment, leafIndex: Number(event.args.index), receipt };
}
