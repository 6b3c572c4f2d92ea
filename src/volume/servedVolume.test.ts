/**
 * The served-volume circuit against a cheating provider: an honest claim proves and verifies; every way of
 * inflating it — a value above the deposit, a receipt of another payee or epoch, a key not in the tree, one
 * channel twice, another provider's secret — is refused by `buildVolumeWitness` with a clear code, and, with
 * those checks bypassed (the input tampered directly), the circuit's witness generation fails too; a proof
 * whose public sums are raised does not verify. Real circuit (the toolchain's build), real proofs.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as snarkjs from 'snarkjs';
import { type Address, encodeAbiParameters, type Hex, keccak256, numberToHex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { circuitArtifacts } from '../zk/circuitArtifacts.ts';
import { proveGroth16 } from '../zk/proveGroth16.ts';
import { verifyGroth16 } from '../zk/verifyGroth16.ts';
import { buildVolumeWitness, type VolumeCircuitInput, type VolumeClaimItem } from './buildVolumeWitness.ts';
import { VOLUME_CIRCUIT } from './proveVolume.ts';
import { deriveProviderSecret, deriveVolumeKey, providerKeyOf, type VolumeKey } from './volumeKeys.ts';
import { channelField, channelLeaf, signVolumeReceipt, type VolumeChannel } from './volumeReceipt.ts';

const key = (n: number) => numberToHex(n, { size: 32 });
const provider = privateKeyToAccount(key(0xb0b));
const other = privateKeyToAccount(key(0xc0c)).address;
const payers = [0xa11ce, 0xa11cf, 0xa11d0].map((n) => privateKeyToAccount(key(n)));
const DEPOSIT = 100n * 10n ** 18n;
const EPOCH = 7n;

const idOf = (payer: Address, payee: Address, nonce: bigint): Hex =>
  keccak256(
    encodeAbiParameters([{ type: 'address' }, { type: 'address' }, { type: 'uint256' }], [payer, payee, nonce]),
  );

let secret: bigint;
let keys: VolumeKey[];
let channels: VolumeChannel[];
let leaves: bigint[];
let wasm: string;

const item = (i: number, bytes: bigint, value: bigint, epoch = EPOCH): VolumeClaimItem => {
  const channel = channels[i] as VolumeChannel;
  const k = keys[i % keys.length] as VolumeKey;
  return { channel, receipt: signVolumeReceipt(k.privateKey, { channelId: channel.channelId, epoch, bytes, value }) };
};

const build = (items: VolumeClaimItem[], over: { leaves?: bigint[]; epoch?: bigint; secret?: bigint } = {}) =>
  buildVolumeWitness({
    epoch: over.epoch ?? EPOCH,
    provider: provider.address,
    providerSecret: over.secret ?? secret,
    leaves: over.leaves ?? leaves,
    items,
  });

/** Resolves when the circuit accepts `input`, rejects when its witness generation fails. */
const witness = (input: VolumeCircuitInput) =>
  (snarkjs as unknown as { wtns: { calculate(i: unknown, wasm: string, out: unknown): Promise<void> } }).wtns.calculate(
    input,
    wasm,
    { type: 'mem' },
  );

/** Copies `input` with slot `i` of every per-slot signal taken from `from`'s slot `j`. */
function withSlot(input: VolumeCircuitInput, i: number, from: VolumeCircuitInput, j: number): VolumeCircuitInput {
  const copy = structuredClone(input) as Record<string, unknown>;
  for (const [name, value] of Object.entries(from))
    if (Array.isArray(value)) (copy[name] as unknown[])[i] = structuredClone(value[j]);
  return copy as VolumeCircuitInput;
}

describe('served-volume circuit', () => {
  before(async () => {
    secret = await deriveProviderSecret(provider);
    keys = await Promise.all(payers.map((p) => deriveVolumeKey(p)));
    channels = payers.map((p, i) => ({
      channelId: idOf(p.address, provider.address, 0n),
      payee: provider.address,
      deposit: DEPOSIT,
      key: (keys[i] as VolumeKey).publicKey,
    }));
    // Channel 3 pays another provider (same payer and key as channel 0).
    channels.push({
      ...(channels[0] as VolumeChannel),
      channelId: idOf(payers[0]?.address as Address, other, 1n),
      payee: other,
    });
    leaves = channels.map(channelLeaf);
    ({ wasm } = await circuitArtifacts(VOLUME_CIRCUIT));
  });

  it('proves an honest claim; the sums and nullifiers are the public signals; raised sums do not verify', async () => {
    const w = build([item(0, 1000n, 10n), item(1, 2000n, 20n)]);
    assert.equal(w.totalBytes, 3000n);
    assert.equal(w.nullifiers[2], 0n, 'an empty slot has no nullifier');
    const { proof, publicSignals } = await proveGroth16(VOLUME_CIRCUIT, w.input);
    assert.deepEqual(
      publicSignals,
      [...w.nullifiers, w.totalBytes, w.totalValue, EPOCH, w.root, BigInt(provider.address), providerKeyOf(secret)].map(
        String,
      ),
    );
    assert.equal(await verifyGroth16(VOLUME_CIRCUIT, proof, publicSignals), true);
    for (const index of [3, 4]) {
      const raised = [...publicSignals];
      raised[index] = (BigInt(raised[index] as string) + 1n).toString();
      assert.equal(await verifyGroth16(VOLUME_CIRCUIT, proof, raised), false, `signal ${index} raised`);
    }
  });

  it('refuses a value above the deposit', async () => {
    const over = item(0, 1000n, DEPOSIT + 1n);
    assert.throws(() => build([over]), { code: 'VOLUME_OVER_DEPOSIT' });
    const honest = build([item(0, 1000n, DEPOSIT)]).input;
    const tampered = structuredClone(honest) as Record<string, string[]>;
    (tampered.value as string[])[0] = over.receipt.value.toString();
    (tampered.S as string[])[0] = over.receipt.signature.S.toString();
    (tampered.R8x as string[])[0] = over.receipt.signature.R8x.toString();
    (tampered.R8y as string[])[0] = over.receipt.signature.R8y.toString();
    await witness(honest);
    await assert.rejects(witness(tampered as VolumeCircuitInput));
  });

  it("refuses a receipt of another payee's channel", async () => {
    assert.throws(() => build([item(3, 1000n, 10n)]), { code: 'VOLUME_NOT_REGISTERED' });
    // The same receipt, proven as if the channel paid this provider: its leaf is not in the tree.
    const input = build([item(0, 1000n, 10n)]).input as Record<string, string[]>;
    const forged = item(3, 1000n, 10n);
    (input.channelId as string[])[0] = channelField(forged.channel.channelId).toString();
    (input.S as string[])[0] = forged.receipt.signature.S.toString();
    (input.R8x as string[])[0] = forged.receipt.signature.R8x.toString();
    (input.R8y as string[])[0] = forged.receipt.signature.R8y.toString();
    await assert.rejects(witness(input as VolumeCircuitInput));
  });

  it('refuses a receipt of another epoch', async () => {
    const old = item(0, 1000n, 10n, EPOCH - 1n);
    assert.throws(() => build([old]), { code: 'VOLUME_BAD_BATCH' });
    const input = build([item(0, 1000n, 10n)]).input as Record<string, string[]>;
    (input.S as string[])[0] = old.receipt.signature.S.toString();
    (input.R8x as string[])[0] = old.receipt.signature.R8x.toString();
    (input.R8y as string[])[0] = old.receipt.signature.R8y.toString();
    await assert.rejects(witness(input as VolumeCircuitInput));
  });

  it('refuses a key that is not in the tree', async () => {
    const without = leaves.filter((_, i) => i !== 1);
    assert.throws(() => build([item(1, 1000n, 10n)], { leaves: without }), { code: 'VOLUME_NOT_REGISTERED' });
    // Proven against the tree without it: the path leads to another root.
    const honest = build([item(1, 1000n, 10n)]).input;
    const input = { ...honest, root: build([item(0, 1n, 1n)], { leaves: without }).root.toString() };
    await assert.rejects(witness(input));
  });

  it('refuses one channel twice', async () => {
    assert.throws(() => build([item(0, 1000n, 10n), item(0, 1000n, 10n)]), { code: 'VOLUME_BAD_BATCH' });
    const honest = build([item(0, 1000n, 10n), item(1, 2000n, 20n)]).input;
    await assert.rejects(witness(withSlot(honest, 1, honest, 0)));
  });

  it("refuses another provider's secret", async () => {
    const input = { ...build([item(0, 1000n, 10n)]).input, providerKey: providerKeyOf(secret + 1n).toString() };
    await assert.rejects(witness(input));
  });

  it('refuses an empty claim and more receipts than slots', () => {
    assert.throws(() => build([]), { code: 'VOLUME_BAD_BATCH' });
    assert.throws(() => build([item(0, 1n, 1n), item(1, 1n, 1n), item(2, 1n, 1n), item(3, 1n, 1n)]), {
      code: 'VOLUME_BAD_BATCH',
    });
  });
});
