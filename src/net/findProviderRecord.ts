/** Looks up the peer binding a provider stored in the DHT (see `publishProviderRecord`). */
import type { Address } from 'viem';
import type { BandexNode } from './createBandexNode.ts';
import type { PeerBinding } from './peerBinding.ts';
import { decodeProviderRecord, providerRecordKey } from './providerRecord.ts';

/** Resolves to the verified binding, or `undefined` if no valid record was found. */
export async function findProviderRecord(
  node: BandexNode,
  chainId: number,
  address: Address,
  { signal }: { signal?: AbortSignal } = {},
): Promise<PeerBinding | undefined> {
  const key = providerRecordKey(chainId, address);
  let found: PeerBinding | undefined;
  try {
    for await (const event of node.services.dht.get(key, { signal })) {
      if (event.name !== 'VALUE') continue;
      try {
        found = await decodeProviderRecord(key, event.value);
      } catch {
        // an invalid record from one peer does not hide a valid one from another
      }
    }
  } catch (error) {
    // kad-dht throws NotFoundError when no peer holds the key
    if (signal?.aborted) throw error;
  }
  return found;
}
