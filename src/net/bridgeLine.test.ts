import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { BRIDGE_CHAIN_ID, BRIDGE_NOW, testBridge } from '../../test/support/bridgeFixture.ts';
import { hasErrorCode } from '../errors/BaseError.ts';
import { BRIDGE_LINE_PREFIX, decodeBridgeLine, encodeBridgeLine, signBridge, verifyBridgeLine } from './bridgeLine.ts';
import { MAX_BRIDGE_LINE_TTL_SECONDS } from './constants.ts';

const _CHAIN_ID = BRIDGE_CHAIN_ID;
const NOW = BRIDGE_NOW;
const { provider, tunnelPublicKey, transports, fields, line, check } = await testBridge();

/** The line's JSON, edited, re-encoded (the signature is kept: a tampered line). */
function edit(text: string, change: (json: { bridge: Record<string, unknown>; [k: string]: unknown }) => void): string {
  const json = JSON.parse(Buffer.from(text.slice(BRIDGE_LINE_PREFIX.length), 'base64url').toString('utf8'));
  change(json);
  return BRIDGE_LINE_PREFIX + Buffer.from(JSON.stringify(json)).toString('base64url');
}

describe('bridge lines', () => {
  it('round-trip: the provider signed these transports for this tunnel key', async () => {
    assert.ok(line.startsWith(BRIDGE_LINE_PREFIX));
    const bridge = await check(`  ${line}\n`);
    assert.equal(bridge.provider, provider.address);
    assert.equal(bridge.tunnelPublicKey, tunnelPublicKey);
    assert.deepEqual(bridge.transports, transports);
  });

  it('refuses a line whose transports, key or provider were changed (the signature covers them)', async () => {
    const swapped = edit(line, (j) => {
      const [first] = j.bridge.transports as { endpoint: string }[];
      if (first) first.endpoint = '203.0.113.9:8443';
    });
    await assert.rejects(check(swapped), (e) => hasErrorCode(e, 'NET_BRIDGE_BAD_SIGNATURE'));
    const otherKey = edit(line, (j) => {
      j.bridge.tunnelPublicKey = randomBytes(32).toString('base64');
    });
    await assert.rejects(check(otherKey), (e) => hasErrorCode(e, 'NET_BRIDGE_BAD_SIGNATURE'));
    const mallory = privateKeyToAccount(generatePrivateKey());
    const claimed = edit(encodeBridgeLine(await signBridge(mallory, fields)), (j) => {
      j.bridge.provider = provider.address;
    });
    await assert.rejects(check(claimed), (e) => hasErrorCode(e, 'NET_BRIDGE_BAD_SIGNATURE'));
  });

  it('refuses another chain, an expired line and one that would live too long', async () => {
    await assert.rejects(verifyBridgeLine(line, { chainId: 10, nowSeconds: NOW }), (e) =>
      hasErrorCode(e, 'NET_BRIDGE_WRONG_CHAIN'),
    );
    await assert.rejects(check(line, NOW + 86_400), (e) => hasErrorCode(e, 'NET_BRIDGE_EXPIRED'));
    const forever = encodeBridgeLine(
      await signBridge(provider, { ...fields, expiresAt: NOW + MAX_BRIDGE_LINE_TTL_SECONDS + 1 }),
    );
    await assert.rejects(check(forever), (e) => hasErrorCode(e, 'NET_BRIDGE_MALFORMED'));
  });

  it('refuses malformed lines with a clear error, never a throw of another kind', async () => {
    const cases = [
      '',
      'bandex-bridge:',
      'bandex-bridge:!!!',
      `other:${line.slice(BRIDGE_LINE_PREFIX.length)}`,
      BRIDGE_LINE_PREFIX + Buffer.from('{"v":1}').toString('base64url'),
      BRIDGE_LINE_PREFIX + Buffer.from([0xff, 0xfe]).toString('base64url'),
      edit(line, (j) => {
        j.v = 2;
      }),
      edit(line, (j) => {
        j.extra = 1;
      }),
      edit(line, (j) => {
        j.bridge.transports = [];
      }),
      edit(line, (j) => {
        j.bridge.transports = [transports[0], transports[0]];
      }),
      edit(line, (j) => {
        j.bridge.transports = [{ name: 'obfs', endpoint: 'x:1', params: 'psk=short' }];
      }),
      edit(line, (j) => {
        j.bridge.transports = [{ name: 'carrier-pigeon', endpoint: 'x:1', params: '' }];
      }),
      `${BRIDGE_LINE_PREFIX}${'A'.repeat(5000)}`,
    ];
    for (const text of cases) {
      assert.throws(
        () => decodeBridgeLine(text),
        (e) => hasErrorCode(e, 'NET_BRIDGE_MALFORMED'),
        text.slice(0, 40),
      );
    }
  });
});
