/**
 * Stores the provider's peer binding in the Bandex DHT under
 * `/bandex/provider/<chainId>/<address>` (see `providerRecord.ts`). Needs at least one
 * DHT server in the routing table; republish periodically (records are not replicated
 * forever by kad-dht).
 */
import type { BandexNode } from './createBandexNode.ts';
import type { PeerBinding } from './peerBinding.ts';
import { encodeProviderRecord, providerRecordKey } from './providerRecord.ts';

/** Returns how many peers acknowledged the record. */
export async function publishProviderRecord(
  node: BandexNode,
  binding: PeerBinding,
  { signal }: { signal?: AbortSignal } = {},
): Promise<number> {
  let stored = 0;
  for await (const event of node.services.dht.put(
    providerRecordKey(binding.chainId, binding.address),
    encodeProviderRecord(binding),
    { signal },
  )) {
    if (event.name === 'PEER_RESPONSE' && event.messageName === 'PUT_VALUE') stored++;
  }
  return stored;
}
