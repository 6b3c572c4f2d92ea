import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { locateOffer } from './locateOffers.ts';

describe('locating offers', () => {
  it('an offer whose endpoint is a public address elsewhere is a mismatch; loopback is unknown', () => {
    const offer = (endpoints: string[], region = 'DE') => ({ endpoints, region }) as Parameters<typeof locateOffer>[0];
    assert.deepEqual(locateOffer(offer(['8.8.8.8:4100'])).located, 'US');
    assert.equal(locateOffer(offer(['8.8.8.8:4100'])).check.verdict, 'mismatch');
    assert.equal(locateOffer(offer(['193.99.144.80:4100'])).check.verdict, 'consistent');
    assert.equal(locateOffer(offer(['127.0.0.1:4100'])).check.verdict, 'unknown');
    assert.equal(locateOffer(offer(['node.example.org:443', '193.99.144.80:4100'])).located, 'DE');
  });
});
