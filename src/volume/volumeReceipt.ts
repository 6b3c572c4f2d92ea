/**
 * Volume receipts: what a channel's payer signs, with its BabyJubJub key, so that a provider can later
 * prove served volume in zero knowledge. The message is `Poseidon(channelId mod p, epoch, bytes, value)`,
 * cumulative over the channel (every session, both directions; `value` = the amount the payer promised),
 * signed with EdDSA-Poseidon, which a circuit checks in ~4k constraints (secp256k1 would take ~1.5M).
 * The channel's key is bound on chain by `VolumeLedger.registerChannel` as the tree leaf
 * `Poseidon(channelId mod p, payee, deposit, pubX, pubY)`.
 */

import { poseidon4 } from 'poseidon-lite/poseidon4';
import { poseidon5 } from 'poseidon-lite/poseidon5';
import type { Address, Hex } from 'viem';
import { MAX_VOLUME_BYTES, MAX_VOLUME_VALUE, SNARK_FIELD } from './constants.ts';
import { type Signature, signMessage, verifySignature } from './eddsa.ts';
import { VolumeError } from './VolumeError.ts';

/** A BabyJubJub public key. */
export type VolumePublicKey = { x: bigint; y: bigint };

/** What a payer vouches for on a channel, up to some moment of `epoch`. */
export type VolumeReceipt = { channelId: Hex; epoch: bigint; bytes: bigint; value: bigint };

/** A receipt with the payer's EdDSA-Poseidon signature. */
export type SignedVolumeReceipt = VolumeReceipt & { signature: { R8x: bigint; R8y: bigint; S: bigint } };

/** A channel as registered in the tree. */
export type VolumeChannel = { channelId: Hex; payee: Address; deposit: bigint; key: VolumePublicKey };

/** `channelId` as a field element (`uint256(channelId) % p`, as VolumeLedger computes it). */
export function channelField(channelId: Hex): bigint {
  return BigInt(channelId) % SNARK_FIELD;
}

/** The channel tree's leaf of a registration. */
export function channelLeaf({ channelId, payee, deposit, key }: VolumeChannel): bigint {
  return poseidon5([channelField(channelId), BigInt(payee), deposit, key.x, key.y]);
}

function assertInRange(receipt: VolumeReceipt): void {
  const { epoch, bytes, value } = receipt;
  if (
    bytes < 0n ||
    bytes > MAX_VOLUME_BYTES ||
    value < 0n ||
    value > MAX_VOLUME_VALUE ||
    epoch < 0n ||
    epoch >= 2n ** 64n
  )
    throw new VolumeError(
      'VOLUME_OUT_OF_RANGE',
      `volume receipt out of range (epoch ${epoch}, bytes ${bytes}, value ${value})`,
      'bytes fit 64 bits, value 96 bits, epoch 64 bits',
    );
}

/** The field element the payer signs. */
export function volumeMessage(receipt: VolumeReceipt): bigint {
  assertInRange(receipt);
  return poseidon4([channelField(receipt.channelId), receipt.epoch, receipt.bytes, receipt.value]);
}

/** Signs `receipt` with the channel's BabyJubJub private key (see `deriveVolumeKey`). */
export function signVolumeReceipt(privateKey: Uint8Array, receipt: VolumeReceipt): SignedVolumeReceipt {
  const { R8, S } = signMessage(Buffer.from(privateKey), volumeMessage(receipt));
  return { ...receipt, signature: { R8x: R8[0], R8y: R8[1], S } };
}

/** True when the receipt's signature is `key`'s. */
export function isVolumeReceiptSignedBy(receipt: SignedVolumeReceipt, key: VolumePublicKey): boolean {
  try {
    const signature: Signature = { R8: [receipt.signature.R8x, receipt.signature.R8y], S: receipt.signature.S };
    return verifySignature(volumeMessage(receipt), signature, [key.x, key.y]);
  } catch {
    return false;
  }
}
