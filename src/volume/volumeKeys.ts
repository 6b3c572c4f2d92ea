/**
 * Keys of the volume proofs, derived from the secp256k1 keys Bandex already holds, so nothing new is
 * stored: the payer's BabyJubJub key is `keccak256(sign("Bandex volume key v1"))` (viem's local accounts
 * sign deterministically, RFC 6979), and the provider's nullifier secret is
 * `keccak256(sign("Bandex volume secret v1")) mod p`, committed on chain as `Poseidon(secret)`.
 * A key derived this way is as safe as the account key: only its holder can produce the signature.
 */

import { poseidon1 } from 'poseidon-lite/poseidon1';
import { poseidon2 } from 'poseidon-lite/poseidon2';
import { hexToBytes, keccak256, type LocalAccount } from 'viem';
import { SNARK_FIELD } from './constants.ts';
import { derivePublicKey } from './eddsa.ts';
import type { VolumePublicKey } from './volumeReceipt.ts';
import { channelField } from './volumeReceipt.ts';

const KEY_MESSAGE = 'Bandex volume key v1';
const SECRET_MESSAGE = 'Bandex volume secret v1';

export type VolumeKey = { privateKey: Uint8Array; publicKey: VolumePublicKey };

/** The payer's EdDSA-Poseidon key for its channels' volume receipts. */
export async function deriveVolumeKey(account: Pick<LocalAccount, 'signMessage'>): Promise<VolumeKey> {
  const privateKey = hexToBytes(keccak256(await account.signMessage({ message: KEY_MESSAGE })));
  const [x, y] = derivePublicKey(Buffer.from(privateKey));
  return { privateKey, publicKey: { x, y } };
}

/** The provider's nullifier secret (a field element). */
export async function deriveProviderSecret(account: Pick<LocalAccount, 'signMessage'>): Promise<bigint> {
  return BigInt(keccak256(await account.signMessage({ message: SECRET_MESSAGE }))) % SNARK_FIELD;
}

/** What the provider commits on chain once: `Poseidon(secret)`. */
export function providerKeyOf(secret: bigint): bigint {
  return poseidon1([secret]);
}

/** A channel's nullifier for this provider: the same in every claim, unlinkable to the channel without the secret. */
export function volumeNullifier(channelId: `0x${string}`, secret: bigint): bigint {
  return poseidon2([channelField(channelId), secret]);
}
