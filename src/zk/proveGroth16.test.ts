import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { poseidon1, poseidon2 } from 'poseidon-lite';
import { hasErrorCode } from '../errors/BaseError.ts';
import { circuitSource } from './circuitSource.ts';
import { proveGroth16 } from './proveGroth16.ts';
import { verifyGroth16 } from './verifyGroth16.ts';

// A one-leaf tree (depth 0: the root is the leaf) spending 3 of a note worth 10, the change worth 7.
function spendInput(overrides: Record<string, unknown> = {}) {
  const value = 10n;
  const nullifierKey = 111n;
  const secret = 222n;
  const changeKey = poseidon2([333n, 444n]);
  const leaf = poseidon2([value, poseidon2([nullifierKey, secret])]);
  return {
    root: leaf,
    nullifierHash: poseidon1([nullifierKey]),
    amount: 3n,
    changeCommitment: poseidon2([7n, changeKey]),
    binding: 12345n,
    value,
    nullifierKey,
    secret,
    treeDepth: 0n,
    leafIndex: 0n,
    siblings: Array(20).fill(0n),
    changeKey,
    ...overrides,
  };
}

describe('the ZK toolchain', () => {
  it('hashes a circuit with every file it includes', () => {
    const source = circuitSource('poolSpend');
    const names = source.files.map((f) => f.name);
    assert.equal(names[0], 'circuits/poolSpend.circom');
    assert.ok(names.includes('zk-kit/binary-merkle-root.circom'));
    assert.ok(names.includes('circomlib/poseidon_constants.circom'), 'a nested include is part of the hash');
    assert.match(source.hash, /^[0-9a-f]{64}$/);
  });

  it('refuses a circuit that does not exist', () => {
    assert.throws(
      () => circuitSource('noSuchCircuit'),
      (e) => hasErrorCode(e, 'ZK_CIRCUIT_NOT_FOUND'),
    );
    assert.throws(
      () => circuitSource('../package'),
      (e) => hasErrorCode(e, 'ZK_CIRCUIT_NOT_FOUND'),
    );
  });

  it('proves and verifies a spend, and the proof does not verify for other public signals', async () => {
    const { proof, publicSignals, solidity } = await proveGroth16('poolSpend', spendInput());
    assert.equal(publicSignals.length, 5);
    assert.equal(publicSignals[2], '3');
    assert.equal(await verifyGroth16('poolSpend', proof, publicSignals), true);
    const rebound = [...publicSignals];
    rebound[4] = '12346';
    assert.equal(await verifyGroth16('poolSpend', proof, rebound), false, 'the binding is part of the statement');
    assert.equal(solidity.pubSignals[4], 12345n);
  });

  it('refuses a witness that pays out more than the note holds', async () => {
    await assert.rejects(
      proveGroth16('poolSpend', spendInput({ amount: 11n, changeCommitment: poseidon2([-1n, 1n]) })),
      (e) => hasErrorCode(e, 'ZK_WITNESS_INVALID'),
    );
  });
});
