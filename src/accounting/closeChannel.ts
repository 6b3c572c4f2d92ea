/**
 * The payee's consent to close a channel cooperatively at a final cumulative amount (EIP-712
 * `CloseChannel`, channels domain). The payer submits it to `PaymentChannels.cooperativeClose`.
 */
import type { Hex, LocalAccount } from 'viem';
import { channelsDomain, closeChannelTypes } from '../chain/typedData.ts';
import type { ChannelsDomain } from './voucher.ts';

/**
 * @example
 * const signature = await signCloseChannel(provider, { chainId, channels }, channelId, finalAmount);
 */
export function signCloseChannel(
  account: LocalAccount,
  domain: ChannelsDomain,
  channelId: Hex,
  amount: bigint,
): Promise<Hex> {
  return account.signTypedData({
    domain: channelsDomain(domain.chainId, domain.channels),
    types: closeChannelTypes,
    primaryType: 'CloseChannel',
    message: { channelId, amount },
  });
}
