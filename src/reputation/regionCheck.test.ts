import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { countryTable, locateAddress } from './locateAddress.ts';
import { checkRegion, distanceKm, minRttMs } from './regionCheck.ts';

describe('region checks', () => {
  const countries = countryTable();

  it('locates public addresses offline and says nothing of private ones', () => {
    assert.equal(locateAddress('8.8.8.8'), 'US');
    assert.equal(locateAddress('193.99.144.80'), 'DE');
    assert.equal(locateAddress('127.0.0.1'), undefined);
    assert.equal(locateAddress('10.1.2.3'), undefined);
    assert.equal(locateAddress('node.example.org'), undefined);
  });

  it('measures distances and the light-speed floor of a round trip', () => {
    const de = countries.get('DE');
    const au = countries.get('AU');
    const fr = countries.get('FR');
    assert.ok(de && au && fr);
    const far = distanceKm(de, au);
    assert.ok(far > 14_000 && far < 16_000, `DE–AU ${far} km`);
    // Neighbours: their areas all but cover the centroid distance: next to no floor.
    assert.ok(minRttMs(de, fr) < 1, `DE–FR floor ${minRttMs(de, fr)} ms`);
    assert.ok(minRttMs(de, au) > 100, `DE–AU floor ${minRttMs(de, au)} ms`);
  });

  it('a provider whose address is elsewhere mismatches; one in its claimed country is consistent', () => {
    assert.equal(checkRegion({ claimed: 'DE', located: locateAddress('8.8.8.8') }, countries).verdict, 'mismatch');
    assert.equal(
      checkRegion({ claimed: 'DE', located: locateAddress('193.99.144.80') }, countries).verdict,
      'consistent',
    );
    assert.equal(checkRegion({ claimed: 'DE', located: locateAddress('127.0.0.1') }, countries).verdict, 'unknown');
  });

  it('a round trip faster than light allows proves a claim false; a slow one proves nothing', () => {
    // An auditor in DE measures 3 ms to a provider claiming AU (an address the database does not place).
    const fast = checkRegion({ claimed: 'AU', rttMs: 3, auditorRegion: 'DE' }, countries);
    assert.equal(fast.verdict, 'mismatch');
    assert.match(fast.verdict === 'mismatch' ? fast.reason : '', /faster than light/);
    assert.equal(checkRegion({ claimed: 'AU', rttMs: 300, auditorRegion: 'DE' }, countries).verdict, 'consistent');
    assert.equal(checkRegion({ claimed: 'FR', rttMs: 1, auditorRegion: 'DE' }, countries).verdict, 'consistent');
  });
});
