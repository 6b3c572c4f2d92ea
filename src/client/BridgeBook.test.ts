import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { testBridge } from '../../test/support/bridgeFixture.ts';
import { BridgeBook } from './BridgeBook.ts';

const { provider, tunnelPublicKey, transports, line, check } = await testBridge();

describe('the bridges a client was given', () => {
  it('a client uses a line only for the tunnel key it was signed for (a stale line is ignored)', async () => {
    const book = new BridgeBook([await check(line)]);
    assert.deepEqual(book.providers(), [provider.address]);
    assert.deepEqual(book.policy(), ['obfs', 'wss']);
    assert.deepEqual(book.transportsFor(provider.address, tunnelPublicKey), transports);
    assert.deepEqual(book.transportsFor(provider.address, randomBytes(32).toString('base64')), []);
    assert.deepEqual(book.transportsFor(privateKeyToAccount(generatePrivateKey()).address, tunnelPublicKey), []);
  });
});
