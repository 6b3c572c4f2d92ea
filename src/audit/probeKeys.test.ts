import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { privateKeyToAddress } from 'viem/accounts';
import { devAccount } from '../chain/devAccounts.ts';
import { lastEpochOf, PROBE_KEY_EPOCHS, probeKey, probeKeyPeriod, probeSeed, probeSeedMessage } from './probeKeys.ts';

const PROVIDERS = ['0x00000000000000000000000000000000000000a1', '0x00000000000000000000000000000000000000b2'] as const;

describe('probe payer keys', () => {
  it('are recovered from the auditor key alone (a restart derives the same ones), never its address', async () => {
    const auditor = devAccount(5);
    const seedOf = async () => probeSeed(await auditor.signMessage({ message: probeSeedMessage(31337) }));
    const seed = await seedOf();
    assert.equal(await seedOf(), seed, 'the seed signature is deterministic');
    const keys = new Set<string>();
    for (const period of [0, 1, 2])
      for (const provider of PROVIDERS)
        for (const purpose of ['canary', 'capacity'] as const) {
          const key = probeKey(seed, period, provider, purpose);
          assert.equal(probeKey(seed, period, provider, purpose), key);
          assert.notEqual(privateKeyToAddress(key), auditor.address);
          keys.add(key);
        }
    assert.equal(keys.size, 12, 'one key per period, provider and purpose');
    // Another chain, another auditor: other keys.
    const otherChain = probeSeed(await auditor.signMessage({ message: probeSeedMessage(1) }));
    const otherAuditor = probeSeed(await devAccount(8).signMessage({ message: probeSeedMessage(31337) }));
    assert.notEqual(probeKey(otherChain, 0, PROVIDERS[0], 'canary'), probeKey(seed, 0, PROVIDERS[0], 'canary'));
    assert.notEqual(probeKey(otherAuditor, 0, PROVIDERS[0], 'canary'), probeKey(seed, 0, PROVIDERS[0], 'canary'));
    // The provider's address is case-insensitive.
    assert.equal(
      probeKey(seed, 0, '0x00000000000000000000000000000000000000AB', 'canary'),
      probeKey(seed, 0, '0x00000000000000000000000000000000000000ab', 'canary'),
    );
  });

  it('a canary key pays for one epoch (its report names it), a capacity key for PROBE_KEY_EPOCHS', () => {
    fc.assert(
      fc.property(fc.nat(1e9), (epoch) => {
        const canary = probeKeyPeriod(epoch, 'canary');
        assert.equal(lastEpochOf(canary, 'canary'), epoch);
        assert.notEqual(probeKeyPeriod(epoch + 1, 'canary'), canary);
        const capacity = probeKeyPeriod(epoch, 'capacity');
        assert.ok(lastEpochOf(capacity, 'capacity') >= epoch);
        assert.ok(lastEpochOf(capacity, 'capacity') - PROBE_KEY_EPOCHS < epoch);
        assert.ok(capacity * PROBE_KEY_EPOCHS <= epoch);
      }),
    );
  });
});
