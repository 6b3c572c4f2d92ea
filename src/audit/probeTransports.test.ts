import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SignedOffer } from '../net/offer.ts';
import { probeKeyPeriod } from './probeKeys.ts';
import { probeTransports } from './probeTransports.ts';

const offer = (names: string[]) =>
  ({
    offer: {
      provider: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC',
      transports: names.map((name) => ({ name, endpoint: '127.0.0.1:1', params: '' })),
    },
  }) as unknown as SignedOffer;

test('canary probes try every transport the offer serves first, in turn, the others after as fallbacks', () => {
  const served = offer(['plain', 'obfs', 'wss']);
  const firsts = [0, 1, 2].map((epoch) => probeTransports(served, epoch, 'canary'));
  assert.deepEqual(firsts.map((t) => t[0]).sort(), ['obfs', 'plain', 'wss']);
  for (const order of firsts) assert.deepEqual([...order].sort(), ['obfs', 'plain', 'wss'], 'all of them, once each');
});

test('a capacity key keeps its transport for its whole period and starts apart from the canary', () => {
  const served = offer(['obfs', 'wss']);
  for (let epoch = 0; epoch < 12; epoch++) {
    const mine = probeTransports(served, epoch, 'capacity');
    const sameKey = Array.from({ length: 12 }, (_, e) => e).filter(
      (e) => probeKeyPeriod(e, 'capacity') === probeKeyPeriod(epoch, 'capacity'),
    );
    for (const e of sameKey) assert.deepEqual(probeTransports(served, e, 'capacity'), mine);
  }
});

test('plain is always served; unknown names in an offer are skipped', () => {
  assert.deepEqual(probeTransports(offer([]), 5, 'canary'), ['plain']);
  assert.deepEqual(probeTransports(offer(['carrier-pigeon', 'obfs']), 0, 'canary'), ['plain', 'obfs']);
});
