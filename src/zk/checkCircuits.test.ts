import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { checkCircuits } from './checkCircuits.ts';
import { CIRCUITS_DIR, VERIFIERS_DIR } from './constants.ts';

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
});
