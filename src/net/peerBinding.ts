/**
 * The peer binding: a chain account's signed statement that a libp2p peer id speaks
 * for it on one chain. It links the transport identity (Noise-authenticated peer id)
 * to the economic one (the address that stakes, is paid and can be slashed).
 *
 * Signed with EIP-191 `personal_sign` over exactly the UTF-8 text
 * `Bandex peer binding: peerId=<base58btc peer id> address=<EIP-55 checksummed address> chainId=<decimal>`.
 */
import { type Address, getAddress, type Hex } from 'viem';

/** A signed peer binding as it travels on the wire (inside offers and DHT records). */
export type PeerBinding = {
  /** base58btc string form of the peer id (`12D3KooW…` for Ed25519). */
  peerId: string;
  /** EIP-55 checksummed chain address that signed. */
  address: Address;
  chainId: number;
  /** 65-byte EIP-191 signature, 0x-hex. */
  signature: Hex;
};

/** The exact statement a binding signs. */
export function peerBindingMessage(peerId: string, address: Address, chainId: number): string {
  return `Bandex peer binding: peerId=${peerId} address=${getAddress(address)} chainId=${chainId}`;
}
