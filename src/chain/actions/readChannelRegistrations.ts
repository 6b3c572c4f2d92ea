/**
 * Every `ChannelRegistered` event of VolumeLedger since the deployment, in tree order: what a prover
 * rebuilds the channel tree from (the leaves) and finds its channels' registrations in.
 */
import type { Hex } from 'viem';
import { volumeLedgerAbi } from '../abi/volumeLedger.ts';
import type { ChainClient, ReadClient } from '../chainClient.ts';
import type { Deployment } from '../deployment.ts';
import { requireVolumeLedger } from './readVolume.ts';

export type ChannelRegistration = {
  channelId: Hex;
  leaf: bigint;
  index: bigint;
  root: bigint;
  deposit: bigint;
  pubX: bigint;
  pubY: bigint;
};

/**
 * @example
 * const registrations = await readChannelRegistrations(client, { deployment });
 * const leaves = registrations.map((r) => r.leaf);
 */
export async function readChannelRegistrations(
  client: ReadClient | ChainClient,
  { deployment, fromBlock }: { deployment: Deployment; fromBlock?: bigint },
): Promise<ChannelRegistration[]> {
  const logs = await (client as ChainClient).getContractEvents({
    address: requireVolumeLedger(deployment),
    abi: volumeLedgerAbi,
    eventName: 'ChannelRegistered',
    fromBlock: fromBlock ?? BigInt(deployment.deploymentBlock),
    toBlock: 'latest',
  });
  return logs
    .map((log) => log.args as ChannelRegistration)
    .sort((a, b) => (a.index < b.index ? -1 : a.index > b.index ? 1 : 0));
}
