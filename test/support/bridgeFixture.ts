/** A bridge line signed by a fresh provider key, for the bridge-line and bridge-book tests. */
import { randomBytes } from 'node:crypto';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { encodeBridgeLine, signBridge, verifyBridgeLine } from '../../src/net/bridgeLine.ts';

export const BRIDGE_CHAIN_ID = 31337;
/** The tests' clock (unix seconds): the line is valid for a day from it. */
export const BRIDGE_NOW = 1_800_000_000;

export async function testBridge() {
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
  const fields = {
    chainId: BRIDGE_CHAIN_ID,
    tunnelPublicKey,
    transports,
    issuedAt: BRIDGE_NOW,
    expiresAt: BRIDGE_NOW + 86_400,
  };
  const line = encodeBridgeLine(await signBridge(provider, fields));
  const check = (text: string, now = BRIDGE_NOW) =>
    verifyBridgeLine(text, { chainId: BRIDGE_CHAIN_ID, nowSeconds: now });
  return { provider, tunnelPublicKey, transports, fields, line, check };
}
