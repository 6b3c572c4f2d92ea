/** Checks a peer binding: well-formed, signed by its address, and about the expected peer/address/chain. */
import { peerIdFromString } from '@libp2p/peer-id';
import { type Address, isAddress, isAddressEqual, recoverMessageAddress } from 'viem';
import { PeerBindingError } from './errors.ts';
import { type PeerBinding, peerBindingMessage } from './peerBinding.ts';

export type VerifyPeerBindingExpected = {
  /** The peer the binding must name (e.g. the Noise-authenticated remote peer). */
  peerId?: string;
  /** The chain address the binding must name (e.g. the registry entry). */
  address?: Address;
  chainId?: number;
};

const SIGNATURE = /^0x[0-9a-fA-F]{130}$/;

/**
 * Resolves if `binding` is valid and matches every field of `expected`.
 *
 * @throws {PeerBindingError} `NET_PEER_BINDING_MALFORMED`, `NET_PEER_BINDING_MISMATCH`
 *   or `NET_PEER_BINDING_BAD_SIGNATURE`.
 * @example
 * await verifyPeerBinding(binding, { peerId: connection.remotePeer.toString(), chainId: 31337 })
 */
export async function verifyPeerBinding(binding: PeerBinding, expected: VerifyPeerBindingExpected = {}): Promise<void> {
  const meta = { peerId: String(binding.peerId), address: String(binding.address) };
  if (!isAddress(binding.address, { strict: false })) {
    throw new PeerBindingError('NET_PEER_BINDING_MALFORMED', 'address is not a 20-byte hex address', meta);
  }
  if (!Number.isSafeInteger(binding.chainId) || binding.chainId <= 0) {
    throw new PeerBindingError('NET_PEER_BINDING_MALFORMED', 'chainId is not a positive integer', meta);
  }
  if (typeof binding.signature !== 'string' || !SIGNATURE.test(binding.signature)) {
    throw new PeerBindingError('NET_PEER_BINDING_MALFORMED', 'signature is not 65 bytes of hex', meta);
  }
  try {
    if (peerIdFromString(binding.peerId).toString() !== binding.peerId) throw new Error('non-canonical peer id');
  } catch {
    throw new PeerBindingError('NET_PEER_BINDING_MALFORMED', 'peerId is not a base58btc libp2p peer id', meta);
  }
  if (expected.peerId !== undefined && expected.peerId !== binding.peerId) {
    throw new PeerBindingError(
      'NET_PEER_BINDING_MISMATCH',
      `it binds ${binding.peerId}, expected ${expected.peerId}`,
      meta,
    );
  }
  if (expected.address !== undefined && !isAddressEqual(expected.address, binding.address)) {
    throw new PeerBindingError(
      'NET_PEER_BINDING_MISMATCH',
      `it binds ${binding.address}, expected ${expected.address}`,
      meta,
    );
  }
  if (expected.chainId !== undefined && expected.chainId !== binding.chainId) {
    throw new PeerBindingError(
      'NET_PEER_BINDING_MISMATCH',
      `it is for chain ${binding.chainId}, expected ${expected.chainId}`,
      meta,
    );
  }
  let signer: Address;
  try {
    signer = await recoverMessageAddress({
      message: peerBindingMessage(binding.peerId, binding.address, binding.chainId),
      signature: binding.signature,
    });
  } catch {
    throw new PeerBindingError('NET_PEER_BINDING_BAD_SIGNATURE', 'the signature does not recover', meta);
  }
  if (!isAddressEqual(signer, binding.address)) {
    throw new PeerBindingError(
      'NET_PEER_BINDING_BAD_SIGNATURE',
      `signed by ${signer}, not by ${binding.address}`,
      meta,
    );
  }
}
