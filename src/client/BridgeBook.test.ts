import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { encodeBridgeLine, signBridge, verifyBridgeLine } from '../net/bridgeLine.ts';
import { BridgeBook } from './BridgeBook.ts';

const CHAIN_ID = 31337;
const NOW = 1_800_000_000;
const provider = privateKeyToAccount(generatePrivateKey());
const tunnelPublicKey = randomBytes(32).toString('base64');
const transports = [
  { name: 'obfs', endpoint: '198.51.100.7:8443', params: `psk=${randomBytes(32).toString('base64url')}` },
  {
    name: 'wss',
    endpoint: 'cdn.example:443',
    params: `path=/${randomBytes(16).toString('base64url')};sni=cdn.example`,
  },
];
const line = encodeBridgeLine(
  await signBridge(provider, {
    chainId: CHAIN_ID,
    tunnelPublicKey,
    transports,
    issuedAt: NOW,
    expiresAt: NOW + 86_400,
  }),
);
const check = (text: string) => verifyBridgeLine(text, { chainId: CHAIN_ID, nowSeconds: NOW });

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
