import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Address } from 'viem';
import { RELAY_ONLY_PROTOCOL, SUPPORTED_PROTOCOLS } from '../net/constants.ts';
import type { SignedOffer } from '../net/offer.ts';
import { selectPath } from './selectPath.ts';

const offer = (n: number, priceRbt: number, region = 'DE', relayOnly = false): SignedOffer =>
  ({
    offer: {
      provider: `0x${n.toString(16).padStart(40, '0')}` as Address,
      priceWeiPerGiB: BigInt(priceRbt) * 10n ** 18n,
      region,
      protocols: relayOnly ? [...SUPPORTED_PROTOCOLS, RELAY_ONLY_PROTOCOL] : [...SUPPORTED_PROTOCOLS],
    },
  }) as SignedOffer;
const addr = (o: SignedOffer) => o.offer.provider;
const a = offer(1, 100);
const b = offer(2, 120, 'FR');
const c = offer(3, 150, 'US');

test('cheapest first; preferred first; excluded and out-of-region never', () => {
  assert.deepEqual(selectPath([c, b, a], 3).map(addr), [a, b, c].map(addr));
  assert.deepEqual(selectPath([c, b, a], 2, { prefer: [addr(c)] }).map(addr), [c, a].map(addr));
  assert.deepEqual(selectPath([c, b, a], 3, { exclude: [addr(a)] }).map(addr), [b, c].map(addr));
  assert.deepEqual(selectPath([c, b, a], 3, { regions: { allow: ['DE', 'FR'] } }).map(addr), [a, b].map(addr));
  assert.deepEqual(selectPath([c, b, a], 3, { regions: { deny: ['DE'] } }).map(addr), [b, c].map(addr));
  // A preferred provider outside the policy is still refused: policy is a hard rule.
  assert.deepEqual(selectPath([c, b, a], 1, { prefer: [addr(c)], regions: { deny: ['US'] } }).map(addr), [addr(a)]);
});

test('reputation: below the threshold never chosen; lower reputation ranks a provider down', () => {
  const reputation = new Map([[addr(a).toLowerCase(), 0.2]]);
  assert.deepEqual(selectPath([a, b, c], 3, { reputation }).map(addr), [b, c].map(addr));
  const mediocre = new Map([[addr(a).toLowerCase(), 0.55]]); // 100/0.55 ≈ 182 > 120/0.75 = 160
  assert.deepEqual(selectPath([a, b], 2, { reputation: mediocre }).map(addr), [b, a].map(addr));
});

test('RTT ranks a far provider down', () => {
  const rttMs = new Map([[addr(a).toLowerCase(), 300]]); // 100 × 2.5 = 250 > 120
  assert.deepEqual(selectPath([a, b], 2, { rttMs }).map(addr), [b, a].map(addr));
});

test('roles: a relay-only provider is never the last hop; with no exit there is no path', () => {
  const r1 = offer(4, 10, 'DE', true);
  const r2 = offer(5, 20, 'DE', true);
  // Cheapest are relay-only: they fill the inner hops, the best exit goes last.
  assert.deepEqual(selectPath([a, b, r1, r2], 3).map(addr), [r1, r2, a].map(addr));
  assert.deepEqual(selectPath([a, b, r1, r2], 2).map(addr), [r1, a].map(addr));
  assert.deepEqual(selectPath([a, b, r1, r2], 1).map(addr), [addr(a)]);
  // Preferred relay-only providers keep their inner places; an exit beyond them is brought in.
  assert.deepEqual(selectPath([a, r1, r2], 2, { prefer: [addr(r2), addr(r1)] }).map(addr), [r2, a].map(addr));
  assert.deepEqual(selectPath([r1, r2], 2).map(addr), []);
  // Whatever the ranks, the last hop is an exit.
  for (let seed = 0; seed < 50; seed++) {
    const offers = [a, b, c, r1, r2, offer(6, 5, 'DE', true)];
    const random = () => ((seed * 9301 + 49297) % 233280) / 233280;
    for (const hops of [1, 2, 3]) {
      const path = selectPath(offers, hops, { random });
      assert.equal(path.length, hops);
      assert.ok(!path.at(-1)?.offer.protocols.includes(RELAY_ONLY_PROTOCOL));
    }
  }
});

test('a provider whose address contradicts its claimed region: the policy sees where it is, and it ranks down', () => {
  // `a` claims DE but its endpoint is in US (GeoIP): a client denying US must not get it.
  const located = new Map([[addr(a).toLowerCase(), 'US']]);
  assert.deepEqual(selectPath([a, b, c], 3, { located, regions: { deny: ['US'] } }).map(addr), [addr(b)]);
  assert.deepEqual(selectPath([a, b, c], 3, { located, regions: { allow: ['DE'] } }).map(addr), []);
  // Without a policy it is still ranked as if twice its price: 200 > 120 and 150.
  assert.deepEqual(selectPath([a, b, c], 3, { located }).map(addr), [b, c, a].map(addr));
  // Located where it claims: no penalty.
  const honest = new Map([[addr(a).toLowerCase(), 'DE']]);
  assert.deepEqual(selectPath([a, b, c], 3, { located: honest }).map(addr), [a, b, c].map(addr));
});
