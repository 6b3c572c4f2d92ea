/**
 * Provider records in the Bandex DHT: key `/bandex/provider/<chainId>/<lowercase address>`,
 * value the JSON of a `PeerBinding` for that address and chain. Anyone can look up which
 * peer id speaks for a registered address without waiting for its next gossiped offer.
 *
 * The validator is installed in every node's DHT (see `createBandexNode`), so a DHT
 * server stores and serves only records whose binding signature matches the key. When
 * several valid records exist (the provider rotated its peer key), the selector keeps the
 * first; the registry's peer id, checked by the caller, is authoritative.
 */
import type { AbortOptions } from '@libp2p/interface';
import { type Address, getAddress, isAddress } from 'viem';
import { PROVIDER_RECORD_NAMESPACE } from './constants.ts';
import { PeerBindingError } from './errors.ts';
import type { PeerBinding } from './peerBinding.ts';
import { exactKeys, parseStrictJson } from './strictJson.ts';
import { verifyPeerBinding } from './verifyPeerBinding.ts';

const KEY = /^\/bandex\/provider\/([1-9][0-9]{0,15})\/(0x[0-9a-f]{40})$/;
const MAX_RECORD_BYTES = 1024;

export function providerRecordKey(chainId: number, address: Address): Uint8Array {
  return new TextEncoder().encode(`/${PROVIDER_RECORD_NAMESPACE}/provider/${chainId}/${address.toLowerCase()}`);
}

export function encodeProviderRecord(binding: PeerBinding): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(binding));
}

/** Strictly decodes and verifies a record against its key. @throws {PeerBindingError} */
export async function decodeProviderRecord(key: Uint8Array, value: Uint8Array): Promise<PeerBinding> {
  const match = KEY.exec(new TextDecoder().decode(key));
  if (!match?.[1] || !match[2]) throw new PeerBindingError('NET_PEER_BINDING_MALFORMED', 'not a provider record key');
  if (value.byteLength > MAX_RECORD_BYTES) throw new PeerBindingError('NET_PEER_BINDING_MALFORMED', 'record too large');
  let json: unknown;
  try {
    json = parseStrictJson(value);
  } catch {
    throw new PeerBindingError('NET_PEER_BINDING_MALFORMED', 'record is not JSON');
  }
  const problem = exactKeys(json, ['peerId', 'address', 'chainId', 'signature'], 'record');
  if (problem) throw new PeerBindingError('NET_PEER_BINDING_MALFORMED', problem);
  const binding = json as PeerBinding;
  if (typeof binding.address !== 'string' || !isAddress(binding.address, { strict: false })) {
    throw new PeerBindingError('NET_PEER_BINDING_MALFORMED', 'address is not an address');
  }
  await verifyPeerBinding(binding, { address: getAddress(match[2]), chainId: Number(match[1]) });
  return { ...binding, address: getAddress(binding.address) };
}

/** kad-dht `ValidateFn` for the `bandex` namespace. */
export async function validateProviderRecord(
  key: Uint8Array,
  value: Uint8Array,
  _options?: AbortOptions,
): Promise<void> {
  await decodeProviderRecord(key, value);
}

/** kad-dht `SelectFn` for the `bandex` namespace: all valid records are equivalent, keep the first. */
export function selectProviderRecord(_key: Uint8Array, _records: Uint8Array[]): number {
  return 0;
}
