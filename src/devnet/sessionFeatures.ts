/**
 * What a provider can learn about a session's payer from the session and the public chain — the
 * features a provider that wants to serve auditors and drop customers would use (the devnet's
 * `blackhole-customers` fault, `blackholeCustomers.ts`; the probe classifier test). The payer is a hop key
 * that holds nothing; what the chain ties to it is the channel's funder (`ChannelRefundTo`), so the account
 * features are the funder's: whether it is a registered auditor, whether it had ETH in the genesis block,
 * who sent it its first tUSD and first RBT (and whether that sender is an auditor); then the channel's
 * deposit and age, and when in the audit epoch the session started.
 */
import { type Address, type Hex, parseAbiItem, zeroAddress } from 'viem';
import { paymentChannelsAbi } from '../chain/abi/paymentChannels.ts';
import { isStakedAuditor } from '../chain/actions/isStakedAuditor.ts';
import type { ChainClient } from '../chain/chainClient.ts';
import type { Deployment } from '../chain/deployment.ts';

export type SessionFeatures = {
  payer: Address;
  /** The channel's funder (the payer itself for a channel it opened) is a registered auditor. */
  payerIsAuditor: boolean;
  /** The funder held ETH in block 0 (anvil's dev accounts; no customer on a real network). */
  genesisEth: boolean;
  /** Who sent the payer its first tUSD / first RBT (the zero address: minted by the faucet / curve). */
  firstReserveFrom: Address | undefined;
  firstRbtFrom: Address | undefined;
  /** Either first sender is a registered auditor. */
  fundedByAuditor: boolean;
  depositWei: bigint;
  /** Seconds from the channel's opening block to the session's start. */
  channelAgeS: number;
  /** Milliseconds into the audit epoch the session started. */
  startOffsetMs: number;
};

const TRANSFER = parseAbiItem('event Transfer(address indexed from, address indexed to, uint256 value)');

async function firstSender(client: ChainClient, token: Address, to: Address): Promise<Address | undefined> {
  const logs = await client.getLogs({ address: token, event: TRANSFER, args: { to }, fromBlock: 0n });
  return logs[0]?.args.from;
}

/** Reads the features of a session on `channelId` by `payer` that started at `startedAt` (Unix ms). */
export async function readSessionFeatures(
  client: ChainClient,
  {
    deployment,
    payer,
    channelId,
    startedAt,
    epochMs,
  }: { deployment: Deployment; payer: Address; channelId: Hex; startedAt: number; epochMs: number },
): Promise<SessionFeatures> {
  const { token, reserve, channels } = deployment.contracts;
  const isAuditor = async (a: Address | undefined) =>
    a !== undefined && a !== zeroAddress && (await isStakedAuditor(client, { deployment, auditor: a }));
  // A hop key signs but does not pay: whoever funded its channel (`openFor`, which names them in
  // ChannelRefundTo) is the account a provider can trace on chain.
  const refundTo = await client.getContractEvents({
    address: channels,
    abi: paymentChannelsAbi,
    eventName: 'ChannelRefundTo',
    args: { channelId },
    fromBlock: 0n,
  });
  const funder = (refundTo[0]?.args as { funder?: Address } | undefined)?.funder ?? payer;
  const [payerIsAuditor, genesisBalance, firstReserveFrom, firstRbtFrom, opened] = await Promise.all([
    isStakedAuditor(client, { deployment, auditor: funder }),
    client.getBalance({ address: funder, blockNumber: 0n }),
    firstSender(client, reserve, funder),
    firstSender(client, token, funder),
    client.getContractEvents({
      address: channels,
      abi: paymentChannelsAbi,
      eventName: 'ChannelOpened',
      args: { channelId },
      fromBlock: 0n,
    }),
  ]);
  const event = opened[0];
  const block = event ? await client.getBlock({ blockNumber: event.blockNumber }) : undefined;
  return {
    payer,
    payerIsAuditor,
    genesisEth: genesisBalance > 0n,
    firstReserveFrom,
    firstRbtFrom,
    fundedByAuditor: (await isAuditor(firstReserveFrom)) || (await isAuditor(firstRbtFrom)),
    depositWei: (event?.args as { deposit?: bigint } | undefined)?.deposit ?? 0n,
    channelAgeS: block ? Math.max(0, startedAt / 1000 - Number(block.timestamp)) : 0,
    startOffsetMs: startedAt % epochMs,
  };
}
