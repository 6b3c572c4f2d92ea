/**
 * Consents to end a channel (EIP-712, channels domain):
 * - `CloseChannel`: a cooperative close at a final cumulative amount. The payee signs it and the payer submits
 *   it to `PaymentChannels.cooperativeClose`; or both sign and anyone submits `cooperativeCloseSigned`.
 * - `StartClose`: the payer's unilateral close, submitted by anyone to `startCloseSigned`.
 */
import { type Address, type Hex, hashTypedData, hexToBytes, isAddressEqual, type LocalAccount } from 'viem';
import { channelsDomain, closeChannelTypes, startCloseTypes } from '../chain/typedData.ts';
import { type ChannelsDomain, recoverFromDigest } from './voucher.ts';

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

/** Who signed `CloseChannel(channelId, amount)` for `domain`, by the contract's signature rule; undefined for a
 * signature the contract would reject. */
export function recoverCloseSigner(
  domain: ChannelsDomain,
  channelId: Hex,
  amount: bigint,
  signature: Hex,
): Address | undefined {
  const digest = hashTypedData({
    domain: channelsDomain(domain.chainId, domain.channels),
    types: closeChannelTypes,
    primaryType: 'CloseChannel',
    message: { channelId, amount },
  });
  try {
    return recoverFromDigest(hexToBytes(digest), signature);
  } catch {
    return undefined;
  }
}

/** Why a payee will not co-sign a cooperative close, or undefined when it may. */
export type CloseRefusal = {
  code:
    | 'CLOSE_WRONG_CHANNEL'
    | 'CLOSE_BAD_SIGNATURE'
    | 'CLOSE_UNDERPAID'
    | 'CLOSE_OVER_DEPOSIT'
    | 'CLOSE_CHANNEL_CLOSING';
  reason: string;
};

/**
 * The payee's rule for co-signing `CloseChannel(channelId, amount)` that the payer signed: the session's own
 * channel, the channel's payer's signature, at least the best claim the payee holds (it gives up nothing it
 * could redeem; bytes served on credit and not yet paid are the credit window's risk, as at any session's
 * end), at most the deposit, and a channel not already closing.
 */
export function checkCloseRequest(p: {
  channelId: Hex;
  sessionChannelId: Hex;
  signer: Address | undefined;
  payer: Address;
  amount: bigint;
  claimValue: bigint;
  deposit: bigint;
  closing: boolean;
}): CloseRefusal | undefined {
  if (p.channelId.toLowerCase() !== p.sessionChannelId.toLowerCase())
    return {
      code: 'CLOSE_WRONG_CHANNEL',
      reason: `this session pays channel ${p.sessionChannelId}, not ${p.channelId}`,
    };
  if (!p.signer || !isAddressEqual(p.signer, p.payer))
    return { code: 'CLOSE_BAD_SIGNATURE', reason: `the close is not signed by the channel's payer ${p.payer}` };
  if (p.closing) return { code: 'CLOSE_CHANNEL_CLOSING', reason: 'the channel is already closing' };
  if (p.amount < p.claimValue)
    return {
      code: 'CLOSE_UNDERPAID',
      reason: `the close pays ${p.amount}; the payee holds a claim of ${p.claimValue}`,
    };
  if (p.amount > p.deposit)
    return { code: 'CLOSE_OVER_DEPOSIT', reason: `the close pays ${p.amount}, more than the deposit ${p.deposit}` };
  return undefined;
}
