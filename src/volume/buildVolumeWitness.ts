/**
 * The served-volume circuit's input for one claim: up to `VOLUME_SLOTS` signed volume receipts of one
 * epoch, each with its channel's registration, proven members of the channel tree (rebuilt from
 * `ChannelRegistered` events, in order). Every statement the circuit will check is checked here first,
 * so a claim that cannot be proven fails with a `VolumeError` naming the receipt, not with a prover trace.
 * Pure: no I/O.
 */
import { LeanIMT } from '@zk-kit/lean-imt';
import { poseidon2 } from 'poseidon-lite/poseidon2';
import { type Address, isAddressEqual } from 'viem';
import { VOLUME_SLOTS, VOLUME_TREE_DEPTH } from './constants.ts';
import { VolumeError } from './VolumeError.ts';
import { providerKeyOf, volumeNullifier } from './volumeKeys.ts';
import {
  channelField,
  channelLeaf,
  isVolumeReceiptSignedBy,
  type SignedVolumeReceipt,
  type VolumeChannel,
} from './volumeReceipt.ts';

/** One receipt to count, with the registration of its channel. */
export type VolumeClaimItem = { channel: VolumeChannel; receipt: SignedVolumeReceipt };

export type BuildVolumeWitnessParameters = {
  epoch: bigint;
  provider: Address;
  providerSecret: bigint;
  /** Every leaf of the channel tree, in insertion order (the `leaf` of each `ChannelRegistered` event). */
  leaves: readonly bigint[];
  items: readonly VolumeClaimItem[];
};

/** Circuit input signals, as snarkjs takes them (decimal strings). */
export type VolumeCircuitInput = Record<string, string | string[] | string[][]>;

export type VolumeWitness = {
  input: VolumeCircuitInput;
  root: bigint;
  /** One per slot, 0 for an empty slot: what the proof outputs and `claimVolume` takes. */
  nullifiers: bigint[];
  totalBytes: bigint;
  totalValue: bigint;
};

/** The channel tree as VolumeLedger holds it (Poseidon LeanIMT). */
export function channelTree(leaves: readonly bigint[]): LeanIMT<bigint> {
  return new LeanIMT<bigint>((a, b) => poseidon2([a, b]), [...leaves]);
}

/**
 * @example
 * const { input, nullifiers, totalBytes } = buildVolumeWitness({ epoch, provider, providerSecret, leaves, items });
 */
export function buildVolumeWitness({
  epoch,
  provider,
  providerSecret,
  leaves,
  items,
}: BuildVolumeWitnessParameters): VolumeWitness {
  if (items.length === 0 || items.length > VOLUME_SLOTS)
    throw new VolumeError('VOLUME_BAD_BATCH', `a claim carries 1 to ${VOLUME_SLOTS} receipts, not ${items.length}`);
  const seen = new Set<bigint>();
  for (const { channel, receipt } of items) {
    const id = channelField(channel.channelId);
    if (seen.has(id) || channelField(receipt.channelId) !== id)
      throw new VolumeError(
        'VOLUME_BAD_BATCH',
        `channel ${channel.channelId} appears twice in one claim, or its receipt names another channel`,
        'each channel counts once',
      );
    seen.add(id);
  }
  const tree = channelTree(leaves);
  if (tree.depth > VOLUME_TREE_DEPTH)
    throw new VolumeError(
      'VOLUME_OUT_OF_RANGE',
      `the channel tree is ${tree.depth} deep; the circuit proves ${VOLUME_TREE_DEPTH}`,
    );
  const slot = () => [] as string[];
  const input = {
    epoch: epoch.toString(),
    root: tree.root.toString(),
    provider: BigInt(provider).toString(),
    providerKey: providerKeyOf(providerSecret).toString(),
    providerSecret: providerSecret.toString(),
    enabled: slot(),
    channelId: slot(),
    deposit: slot(),
    pubX: slot(),
    pubY: slot(),
    bytes: slot(),
    value: slot(),
    S: slot(),
    R8x: slot(),
    R8y: slot(),
    leafIndex: slot(),
    depth: slot(),
    siblings: [] as string[][],
  };
  const nullifiers: bigint[] = [];
  let totalBytes = 0n;
  let totalValue = 0n;
  for (let i = 0; i < VOLUME_SLOTS; i++) {
    const item = items[i];
    if (!item) {
      pushSlot(
        input,
        {
          enabled: 0n,
          channelId: 0n,
          deposit: 0n,
          pubX: 0n,
          pubY: 0n,
          bytes: 0n,
          value: 0n,
          S: 0n,
          R8x: 0n,
          R8y: 0n,
          leafIndex: 0n,
          depth: 0n,
        },
        [],
      );
      nullifiers.push(0n);
      continue;
    }
    const { channel, receipt } = item;
    checkVolumeClaimItem(item, epoch, provider);
    const index = tree.indexOf(channelLeaf(channel));
    if (index < 0)
      throw new VolumeError(
        'VOLUME_NOT_REGISTERED',
        `channel ${channel.channelId} with this key and deposit is not in the channel tree`,
        'register it with VolumeLedger.registerChannel first, and wait for the registration to be mined',
      );
    const proof = tree.generateProof(index);
    pushSlot(
      input,
      {
        enabled: 1n,
        channelId: channelField(channel.channelId),
        deposit: channel.deposit,
        pubX: channel.key.x,
        pubY: channel.key.y,
        bytes: receipt.bytes,
        value: receipt.value,
        S: receipt.signature.S,
        R8x: receipt.signature.R8x,
        R8y: receipt.signature.R8y,
        leafIndex: BigInt(proof.index),
        depth: BigInt(proof.siblings.length),
      },
      proof.siblings,
    );
    nullifiers.push(volumeNullifier(channel.channelId, providerSecret));
    totalBytes += receipt.bytes;
    totalValue += receipt.value;
  }
  return { input, root: tree.root, nullifiers, totalBytes, totalValue };
}

/**
 * Throws the `VolumeError` that keeps `item` out of a claim of `epoch` by `provider` (another epoch, another
 * payee, a value above the deposit, a signature not the channel key's); membership is checked against the tree.
 */
export function checkVolumeClaimItem({ channel, receipt }: VolumeClaimItem, epoch: bigint, provider: Address): void {
  const meta = { channelId: channel.channelId };
  if (receipt.epoch !== epoch)
    throw new VolumeError(
      'VOLUME_BAD_BATCH',
      `the receipt of channel ${channel.channelId} is of epoch ${receipt.epoch}, not ${epoch}`,
      undefined,
      meta,
    );
  if (!isAddressEqual(channel.payee, provider))
    throw new VolumeError(
      'VOLUME_NOT_REGISTERED',
      `channel ${channel.channelId} pays ${channel.payee}, not ${provider}`,
      undefined,
      meta,
    );
  if (receipt.value > channel.deposit)
    throw new VolumeError(
      'VOLUME_OVER_DEPOSIT',
      `the receipt of channel ${channel.channelId} claims ${receipt.value}, above its registered deposit ${channel.deposit}`,
      undefined,
      meta,
    );
  if (!isVolumeReceiptSignedBy(receipt, channel.key))
    throw new VolumeError(
      'VOLUME_BAD_SIGNATURE',
      `the receipt of channel ${channel.channelId} is not signed by its registered key`,
      undefined,
      meta,
    );
}

type SlotValues = Record<
  | 'enabled'
  | 'channelId'
  | 'deposit'
  | 'pubX'
  | 'pubY'
  | 'bytes'
  | 'value'
  | 'S'
  | 'R8x'
  | 'R8y'
  | 'leafIndex'
  | 'depth',
  bigint
>;

function pushSlot(
  input: { siblings: string[][] } & Record<keyof SlotValues, string[]>,
  values: SlotValues,
  siblings: readonly bigint[],
): void {
  for (const [name, value] of Object.entries(values)) input[name as keyof SlotValues].push(value.toString());
  const padded = [...siblings.map(String)];
  while (padded.length < VOLUME_TREE_DEPTH) padded.push('0');
  input.siblings.push(padded);
}
