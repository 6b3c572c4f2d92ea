import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TEST_CHAIN_ID, testProvider, testSignedOffer } from '../../test/support/netFixtures.ts';
import { hasErrorCode } from '../errors/BaseError.ts';
import { encodeOffer } from './encodeOffer.ts';
import { type CheckProvider, OfferDirectory } from './OfferDirectory.ts';

const registered: CheckProvider = async () => ({ registered: true, stakeWei: 10n ** 18n, priceWeiPerGiB: 10n ** 15n });

describe('OfferDirectory', () => {
  it('keeps the latest valid offer per provider and drops stale ones', async () => {
    const { account, peerId } = await testProvider();
    const directory = new OfferDirectory({ chainId: TEST_CHAIN_ID, checkProvider: registered });
    await directory.admit(encodeOffer(await testSignedOffer(account, peerId, { sequence: 5 })));
    assert.equal(directory.get(account.address)?.offer.sequence, 5);
    await assert.rejects(directory.admit(encodeOffer(await testSignedOffer(account, peerId, { sequence: 5 }))), (e) =>
      hasErrorCode(e, 'NET_OFFER_STALE'),
    );
    await assert.rejects(directory.admit(encodeOffer(await testSignedOffer(account, peerId, { sequence: 4 }))), (e) =>
      hasErrorCode(e, 'NET_OFFER_STALE'),
    );
    await directory.admit(encodeOffer(await testSignedOffer(account, peerId, { sequence: 6 })));
    assert.equal(directory.get(account.address)?.offer.sequence, 6);
    assert.equal(directory.list().length, 1);
  });

  it('applies the registry check: unregistered, unstaked, wrong price, wrong peer', async () => {
    const { account, peerId } = await testProvider();
    const cases: [Awaited<ReturnType<CheckProvider>>, string][] = [
      [{ registered: false, stakeWei: 0n, priceWeiPerGiB: 0n }, 'NET_OFFER_PROVIDER_UNREGISTERED'],
      [{ registered: true, stakeWei: 0n, priceWeiPerGiB: 10n ** 15n }, 'NET_OFFER_PROVIDER_UNSTAKED'],
      [
        { registered: true, stakeWei: 10n ** 18n, priceWeiPerGiB: 10n ** 15n, jailed: true },
        'NET_OFFER_PROVIDER_JAILED',
      ],
      [{ registered: true, stakeWei: 1n, priceWeiPerGiB: 10n ** 15n + 1n }, 'NET_OFFER_PRICE_MISMATCH'],
      [
        { registered: true, stakeWei: 1n, priceWeiPerGiB: 10n ** 15n, peerId: 'someone-else' },
        'NET_OFFER_PEER_MISMATCH',
      ],
    ];
    const offer = encodeOffer(await testSignedOffer(account, peerId));
    for (const [status, code] of cases) {
      const directory = new OfferDirectory({ chainId: TEST_CHAIN_ID, checkProvider: async () => status });
      await assert.rejects(directory.admit(offer), (e) => hasErrorCode(e, code), code);
      assert.equal(directory.size, 0);
    }
    const failing = new OfferDirectory({
      chainId: TEST_CHAIN_ID,
      checkProvider: async () => {
        throw new Error('rpc down');
      },
    });
    await assert.rejects(failing.admit(offer), (e) => hasErrorCode(e, 'NET_OFFER_CHECK_FAILED'));
  });

  it('passes the provider address to the registry check', async () => {
    const { account, peerId } = await testProvider();
    const asked: string[] = [];
    const directory = new OfferDirectory({
      chainId: TEST_CHAIN_ID,
      checkProvider: async (address) => {
        asked.push(address);
        return registered(address, { signal: new AbortController().signal });
      },
    });
    await directory.admit(encodeOffer(await testSignedOffer(account, peerId)));
    assert.deepEqual(asked, [account.address]);
  });

  it('evicts expired offers', async () => {
    const { account, peerId } = await testProvider();
    let now = Math.floor(Date.now() / 1000);
    const directory = new OfferDirectory({ chainId: TEST_CHAIN_ID, checkProvider: registered, now: () => now });
    await directory.admit(encodeOffer(await testSignedOffer(account, peerId, { expiresAt: now + 10 })));
    assert.equal(directory.list().length, 1);
    now += 11;
    assert.equal(directory.get(account.address), undefined);
    assert.equal(directory.list().length, 0);
    assert.equal(directory.evictExpired(), 1);
    assert.equal(directory.size, 0);
  });

  it('bounds the number of providers', async () => {
    const directory = new OfferDirectory({ chainId: TEST_CHAIN_ID, checkProvider: registered, maxEntries: 1 });
    const a = await testProvider();
    const b = await testProvider();
    await directory.admit(encodeOffer(await testSignedOffer(a.account, a.peerId)));
    await assert.rejects(directory.admit(encodeOffer(await testSignedOffer(b.account, b.peerId))), (e) =>
      hasErrorCode(e, 'NET_OFFER_DIRECTORY_FULL'),
    );
  });
});
