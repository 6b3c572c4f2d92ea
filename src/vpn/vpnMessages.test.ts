import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_VPN_MESSAGE_BYTES } from './constants.ts';
import { decodeVpnGrant, decodeVpnRequest, encodeVpnGrant, encodeVpnRefusal, encodeVpnRequest } from './vpnMessages.ts';
import { generateWireguardKeyPair, keyToBase64 } from './wireguardKeys.ts';

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return 'no error';
};

test('a request and a grant round-trip', () => {
  const { publicKey } = generateWireguardKeyPair();
  const request = encodeVpnRequest({ publicKey });
  assert.ok(request.toString().endsWith('\n'));
  assert.deepEqual(decodeVpnRequest(request.toString().trim()).publicKey, publicKey);
  const grant = { publicKey, address: '10.213.0.2', dns: ['1.1.1.1'], mtu: 1420 };
  assert.deepEqual(decodeVpnGrant(encodeVpnGrant(grant).toString().trim()), grant);
});

test('fresh keys per call', () => {
  assert.notDeepEqual(generateWireguardKeyPair().publicKey, generateWireguardKeyPair().publicKey);
});

test('a refusal is an error with the exit’s reason', () => {
  assert.throws(
    () => decodeVpnGrant(encodeVpnRefusal('no VPN address left').toString().trim()),
    (error: Error) => {
      assert.equal((error as { code?: string }).code, 'VPN_HANDSHAKE');
      assert.match(String((error as { details?: string }).details), /no VPN address left/);
      return true;
    },
  );
});

test('malformed messages are refused before any state changes', () => {
  const key = keyToBase64(generateWireguardKeyPair().publicKey);
  const good = { v: 1, publicKey: key, address: '10.213.0.2', dns: ['1.1.1.1'], mtu: 1420 };
  for (const bad of [
    'not json',
    '[]',
    'null',
    JSON.stringify({ v: 2, publicKey: key }),
    JSON.stringify({ v: 1, publicKey: 'short' }),
    JSON.stringify({ v: 1 }),
    `{"v":1,"publicKey":"${'A'.repeat(MAX_VPN_MESSAGE_BYTES)}"}`,
  ]) {
    const c = code(() => decodeVpnRequest(bad));
    assert.equal(c, 'VPN_HANDSHAKE', bad);
  }
  for (const change of [
    { address: '::1' },
    { address: 'example.com' },
    { dns: ['10.0.0.1', 'x'] },
    { dns: 'one' },
    { dns: ['1.1.1.1', '1.1.1.1', '1.1.1.1', '1.1.1.1', '1.1.1.1'] },
    { mtu: 100 },
    { mtu: 1420.5 },
    { publicKey: undefined },
  ]) {
    assert.equal(
      code(() => decodeVpnGrant(JSON.stringify({ ...good, ...change }))),
      'VPN_HANDSHAKE',
      JSON.stringify(change),
    );
  }
});
