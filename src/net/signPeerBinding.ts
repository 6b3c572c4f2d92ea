/** Signs the statement binding a libp2p peer id to a chain account (see `peerBinding.ts`). */
import type { PeerId } from '@libp2p/interface';
import type { LocalAccount } from 'viem';
import { type PeerBinding, peerBindingMessage } from './peerBinding.ts';

/**
 * @example
 * const binding = await signPeerBinding(privateKeyToAccount(key), node.peerId, 31337)
 */
export async function signPeerBinding(
  account: LocalAccount,
  peerId: PeerId | string,
  chainId: number,
): Promise<PeerBinding> {
  const id = peerId.toString();
  const signature = await account.signMessage({ message: peerBindingMessage(id, account.address, chainId) });
  return { peerId: id, address: account.address, chainId, signature };
}
