/**
 * Consents to end a channel (EIP-712, channels domain):
 * - `CloseChannel`: a cooperative close at a final cumulative amount. The payee signs it and the payer submits
 *   it to `PaymentChannels.cooperativeClose`; or both sign and anyone submits `cooperativeCloseSigned`.
 * - `StartClose`: the payer's unilateral close, submitted by anyone to `startCloseSigned`.
 */
import type { Hex, LocalAccount } from 'viem';
import { channelsDomain, closeChannelTypes, startCloseTypes } from '../chain/typedData.ts';
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

/**
 * @example
 * const signature = await signStartClose(oneTimePayer, { chainId, channels }, channelId);
 */
export function signStartClose(account: LocalAccount, domain: ChannelsDomain, channelId: Hex): Promise<Hex> {
  return account.signTypedData({
    domain: channelsDomain(domain.chainId, domain.channels),
    types: startCloseTypes,
    primaryType: 'StartClose',
    message: { channelId },
  });
}
