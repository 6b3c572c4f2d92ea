/**
 * How the registry stores a libp2p peer id: its multihash bytes (38 bytes for an Ed25519 id), the
 * canonical binary form. One encoding for every writer (`bandex stake`, the devnet) and reader.
 */
import { peerIdFromString } from '@libp2p/peer-id';
import { base58btc } from 'multiformats/bases/base58';
import { bytesToHex, type Hex, hexToBytes } from 'viem';

/** `12D3KooW…` → the registry's bytes. Throws on a string that is not a peer id. */
export function peerIdToBytes(peerId: string): Hex {
  return bytesToHex(peerIdFromString(peerId).toMultihash().bytes);
}

/** The registry's bytes → `12D3KooW…`; undefined when they are not a peer id multihash. */
export function peerIdFromBytes(bytes: Hex): string | undefined {
  try {
    // A peer id's string form is the base58btc of its multihash; parsing it back validates it.
    return peerIdFromString(base58btc.baseEncode(hexToBytes(bytes))).toString();
  } catch {
    return undefined;
  }
}
