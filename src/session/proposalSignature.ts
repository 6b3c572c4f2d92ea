/**
 * The payer's signature on a session proposal (issue 14: "named someone else's channel, holding no
 * RBT" got 64 MiB). EIP-712 `SessionProposal(channelId, provider, tunnelKey, sessionNonce, expiry)` under
 * the PaymentChannels domain (chain id and contract), signed by the channel's payer key — the key its
 * vouchers are signed with. It binds the channel to one provider, one client tunnel key (the only key
 * the provider's tunnel then admits), one nonce (a provider remembers nonces until they expire) and an
 * expiry, so a proposal can be neither forged for a foreign channel nor replayed to another provider,
 * chain or contract, nor reused later. Checked off chain only; recovery uses libsecp256k1 (0.3 ms).
 */
import { type Address, type Hex, hashTypedData, hexToBytes, type LocalAccount } from 'viem';
import type { ChannelsDomain } from '../accounting/voucher.ts';
import { recoverFromDigest } from '../accounting/voucher.ts';
import { channelsDomain, sessionProposalTypes } from '../chain/typedData.ts';

/** What the payer signs: the proposal's fields that decide who may use the channel, where and when. */
export type ProposalAuthorization = {
  channelId: Hex;
  provider: Address;
  /** The client's X25519 tunnel key, base64 of 32 bytes (as the proposal carries it). */
  clientTunnelKey: string;
  sessionNonce: Hex;
  /** Unix seconds. */
  expiry: number;
};

function typedData(domain: ChannelsDomain, a: ProposalAuthorization) {
  return {
    domain: channelsDomain(domain.chainId, domain.channels),
    types: sessionProposalTypes,
    primaryType: 'SessionProposal' as const,
    message: {
      channelId: a.channelId,
      provider: a.provider,
      tunnelKey: `0x${Buffer.from(a.clientTunnelKey, 'base64').toString('hex').padStart(64, '0')}` as Hex,
      sessionNonce: a.sessionNonce,
      expiry: BigInt(a.expiry),
    },
  };
}

/**
 * @example
 * const signature = await signSessionProposal(payer, { chainId, channels }, { channelId, provider, clientTunnelKey, sessionNonce, expiry })
 */
export async function signSessionProposal(
  account: LocalAccount,
  domain: ChannelsDomain,
  authorization: ProposalAuthorization,
): Promise<Hex> {
  const data = typedData(domain, authorization);
  return account.sign ? account.sign({ hash: hashTypedData(data) }) : account.signTypedData(data);
}

/** The address that signed `authorization` for `domain`, or undefined for a malformed signature. */
export function recoverProposalSigner(
  domain: ChannelsDomain,
  authorization: ProposalAuthorization,
  signature: Hex,
): Address | undefined {
  try {
    return recoverFromDigest(hexToBytes(hashTypedData(typedData(domain, authorization))), signature);
  } catch {
    return undefined;
  }
}
