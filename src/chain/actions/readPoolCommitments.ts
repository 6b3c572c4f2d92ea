/**
 * The shielded pool's leaves in tree order, from its `NoteCommitted` events since the deployment block — what a
 * client rebuilds the tree from to prove a spend — and the refunds queued for pool-funded channels
 * (`RefundQueued`: channel id → commitment and amount), from which an owner learns its refund notes' values.
 */
import type { Hex } from 'viem';
import { getContractEvents } from 'viem/actions';
import { shieldedPoolAbi } from '../abi/shieldedPool.ts';
import type { ReadClient } from '../chainClient.ts';
import type { Deployment } from '../deployment.ts';

export type PoolCommitments = {
  commitments: bigint[];
  refunds: Map<Hex, { commitment: bigint; refund: bigint }>;
};

/**
 * @example
 * const { commitments } = await readPoolCommitments(client, { deployment });
 * const tree = poolTree(commitments);
 */
export async function readPoolCommitments(
  client: ReadClient,
  { deployment }: { deployment: Deployment },
): Promise<PoolCommitments> {
  const fromBlock = BigInt(deployment.deploymentBlock);
  const address = deployment.contracts.pool;
  const committed = await getContractEvents(client, {
    address,
    abi: shieldedPoolAbi,
    eventName: 'NoteCommitted',
    fromBlock,
  });
  const commitments: bigint[] = [];
  for (const log of committed) {
    const index = Number(log.args.index);
    if (index !== commitments.length)
      throw new Error(`pool leaf ${index} out of order (expected ${commitments.length})`);
    commitments.push(log.args.commitment as bigint);
  }
  const queued = await getContractEvents(client, {
    address,
    abi: shieldedPoolAbi,
    eventName: 'RefundQueued',
    fromBlock,
  });
  const refunds = new Map<Hex, { commitment: bigint; refund: bigint }>();
  for (const log of queued) {
    refunds.set(log.args.channelId as Hex, {
      commitment: log.args.commitment as bigint,
      refund: log.args.refund as bigint,
    });
  }
  return { commitments, refunds };
}
