/**
 * A proposed slash as its `SlashProposed` event recorded it (signers, readyAt, evidence): what anyone
 * needs to finalize it (`finalizeSlash` takes the signers) or to answer it. `undefined` when no proposal
 * with that id is found in the blocks searched.
 */
import type { Address, Hex } from 'viem';
import { getBlockNumber, getContractEvents } from 'viem/actions';
import { providerRegistryAbi } from '../abi/providerRegistry.ts';
import type { ReadClient } from '../chainClient.ts';

export type SlashProposal = {
  provider: Address;
  epoch: number;
  kind: number;
  evidence: Hex;
  signers: Address[];
  /** Unix seconds from which it can be finalized. */
  readyAt: number;
};
export type ReadSlashProposalParameters = {
  registry: Address;
  id: Hex;
  /** Earliest block searched (default: the last 10,000). */
  fromBlock?: bigint;
};
export type ReadSlashProposalReturnType = SlashProposal | undefined;
export type ReadSlashProposalErrorType = Error;

/**
 * @example
 * const proposal = await readSlashProposal(client, { registry, id });
 * if (proposal) await finalizeSlash(client, { registry, id, signers: proposal.signers });
 */
export async function readSlashProposal(
  client: ReadClient,
  { registry, id, fromBlock }: ReadSlashProposalParameters,
): Promise<ReadSlashProposalReturnType> {
  const head = await getBlockNumber(client);
  const logs = await getContractEvents(client, {
    address: registry,
    abi: providerRegistryAbi,
    eventName: 'SlashProposed',
    args: { id },
    fromBlock: fromBlock ?? (head > 10_000n ? head - 10_000n : 0n),
    toBlock: head,
  });
  const args = logs[0]?.args;
  if (!args?.provider || args.epoch === undefined || args.signers === undefined) return undefined;
  return {
    provider: args.provider,
    epoch: Number(args.epoch),
    kind: Number(args.kind),
    evidence: args.evidence as Hex,
    signers: [...args.signers],
    readyAt: Number(args.readyAt),
  };
}
