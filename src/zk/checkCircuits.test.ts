import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { checkCircuits } from './checkCircuits.ts';
import { CIRCUITS_DIR, VERIFIERS_DIR } from './constants.ts';
import { readZkeyHeader } from './zkeyHeader.ts';

/** Copies of the committed verifiers and manifests, to tamper with. */
function copies() {
  const root = mkdtempSync(join(tmpdir(), 'bandex-zk-check-'));
  const verifiersDir = join(root, 'verifiers');
  const manifestsDir = join(root, 'circuits');
  cpSync(VERIFIERS_DIR, verifiersDir, { recursive: true });
  cpSync(CIRCUITS_DIR, manifestsDir, { recursive: true });
  return { verifiersDir, manifestsDir };
}

describe('zk check', () => {
  it('passes on the committed verifiers and manifests', async () => {
    assert.deepEqual(await checkCircuits(), []);
  });

  it('fails on an edited verifier, a missing manifest and a verifier no circuit builds', async () => {
    const dirs = copies();
    writeFileSync(
      join(dirs.verifiersDir, 'PoolSpendVerifier.sol'),
      '// SPDX-License-Identifier: MIT\ncontract PoolSpendVerifier {}\n',
    );
    rmSync(join(dirs.manifestsDir, 'poolSpend.manifest.json'));
    writeFileSync(join(dirs.verifiersDir, 'ForgedVerifier.sol'), 'contract ForgedVerifier {}\n');
    const problems = await checkCircuits(dirs);
    assert.equal(problems.length, 3, problems.join('\n'));
    assert.ok(problems.some((p) => /^stale: .*PoolSpendVerifier\.sol$/.test(p)));
    assert.ok(problems.some((p) => /^missing: .*poolSpend\.manifest\.json$/.test(p)));
    assert.ok(problems.some((p) => /^no circuit builds .*ForgedVerifier\.sol$/.test(p)));
  });

  it('fails on a committed proving key that is not the one the verifier comes from', async () => {
    const dirs = copies();
    const keysDir = join(dirs.manifestsDir, 'keys');
    const key = join(keysDir, 'poolSpend.zkey');
    const bytes = readFileSync(key);
    bytes.writeUInt8((bytes.at(-1) as number) ^ 1, bytes.length - 1);
    writeFileSync(key, bytes);
    const problems = await checkCircuits({ ...dirs, keysDir });
    assert.deepEqual(problems.filter((p) => /zkey/.test(p)).length, 1, problems.join('\n'));
    assert.ok(problems.some((p) => /^stale: .*poolSpend\.zkey$/.test(p)));
  });

  it('reads the Groth16 header of a proving key, and refuses what is not one', () => {
    const header = readZkeyHeader(join(CIRCUITS_DIR, 'keys', 'poolSpend.zkey'), 'poolSpend');
    assert.equal(header.protocol, 1);
    assert.equal(header.nPublic, 5);
    assert.equal(header.domainSize, 2 ** 13);
    const junk = join(mkdtempSync(join(tmpdir(), 'bandex-zkey-')), 'junk.zkey');
    writeFileSync(junk, 'not a key');
    assert.throws(() => readZkeyHeader(junk, 'poolSpend'), /not a Groth16 zkey/);
  });
});
