import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeProgress } from './progress.ts';

const hash = `0x${'ab'.repeat(32)}` as const;

describe('describeProgress', () => {
  it('prints one line per stage, naming the transaction', () => {
    assert.equal(describeProgress({ stage: 'sending', label: 'buy RBT' }), 'buy RBT: sending');
    assert.equal(
      describeProgress({ stage: 'sent', label: 'buy RBT', hash }),
      `buy RBT: sent ${hash}, waiting for confirmation`,
    );
    assert.equal(
      describeProgress({ stage: 'confirmed', label: 'buy RBT', hash, blockNumber: 12n }),
      'buy RBT: confirmed in block 12',
    );
  });
});
