/**
 * A payment channel's on-chain state: payer, payee, deposit, what was redeemed, and when its challenge
 * period ends (0 while open). A channel that never existed or was settled reads as all zeros.
 */
import type { Address, Hex } from 'viem';
import { readContract } from 'viem/actions';
import { paymentChannelsAbi } from '../abi/paymentChannels.ts';
import type { ReadClient } from '../chainClient.ts';
import type { Deployment } from '../deployment.ts';

export type GetChannelParameters = { deployment: Deployment; channelId: Hex };
export type GetChannelReturnType = {
  payer: Address;
  payee: Address;
  deposit: bigint;
  redeemed: bigint;
  /** Seconds since the epoch (chain time); 0 while the channel is open. */
  closesAt: bigint;
  /** Priority premium fixed at open, in basis points (0 = none). */
  premiumBps: bigint;
  /** Who gets the unspent rest at close: the payer, or whoever `openFor` named (a wallet, the pool). */
  refundTo: Address;
};
export type GetChannelErrorType = Error;

/**
 * @example
 * const { deposit, redeemed, closesAt } = await getChannel(client, { deployment, channelId });
 */
export async function getChannel(
  client: ReadClient,
  { deployment, channelId }: GetChannelParameters,
): Promise<GetChannelReturnType> {
  const c = await readContract(client, {
    address: deployment.contracts.channels,
    abi: paymentChannelsAbi,
    functionName: 'getChannel',
    args: [channelId],
  });
  return {
    payer: c.payer,
    payee: c.payee,
    deposit: c.deposit,
    redeemed: c.redeemed,
    closesAt: c.closesAt,
    premiumBps: c.premiumBps,
    refundTo: c.refundTo,
  };
}

/** True for the all-zero record of a channel that never existed or was settled. */
export function isChannelGone(channel: Pick<GetChannelReturnType, 'payer'>): boolean {
  return /^0x0{40}$/.test(channel.payer);
}
