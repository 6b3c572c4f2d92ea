/** Test fixtures: a fresh provider identity, signed offers and session proposals. Not used in production code. */
import { generateKeyPair } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import type { LocalAccount } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import type { SignedOffer } from '../../src/net/offer.ts';
import { newSessionNonce } from '../../src/net/proposeSession.ts';
import type { SessionProposal } from '../../src/net/sessionMessages.ts';
import { type SignOfferParameters, signOffer } from '../../src/net/signOffer.ts';

export const TEST_CHAIN_ID = 31337;
export const TEST_TUNNEL_KEY = Buffer.alloc(32, 7).toString('base64');

export async function testProvider(): Promise<{ account: LocalAccount; peerId: string }> {
  return {
    account: privateKeyToAccount(generatePrivateKey()),
    peerId: peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString(),
  };
}

export function testOfferFields(peerId: string, overrides: Partial<SignOfferParameters> = {}): SignOfferParameters {
  const now = Math.floor(Date.now() / 1000);
  return {
    peerId,
    chainId: TEST_CHAIN_ID,
    priceWeiPerGiB: 10n ** 15n,
    region: 'DE',
    capacityBytesPerSecond: 12_500_000,
    endpoints: ['127.0.0.1:7000', '[::1]:7000', 'node.example.org:443'],
    tunnelPublicKey: TEST_TUNNEL_KEY,
    transports: [
      { name: 'plain', endpoint: '127.0.0.1:7000', params: '' },
      { name: 'obfs', endpoint: '127.0.0.1:7001', params: `iat=5;psk=${Buffer.alloc(32, 7).toString('base64url')}` },
    ],
    protocols: ['/bandex/session/2', '/bandex/tunnel/2'],
    issuedAt: now,
    expiresAt: now + 300,
    sequence: 1,
    ...overrides,
  };
}

export async function testSignedOffer(
  account: LocalAccount,
  peerId: string,
  overrides: Partial<SignOfferParameters> = {},
): Promise<SignedOffer> {
  return signOffer(account, testOfferFields(peerId, overrides));
}

export const testProposal = (overrides: Partial<SessionProposal> = {}): SessionProposal => ({
  channelId: `0x${'ab'.repeat(32)}`,
  payer: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
  tickAnchor: `0x${'cd'.repeat(32)}`,
  tickValue: 65_536n * 1000n,
  priceWeiPerGiB: 10n ** 15n,
  creditBytes: 4 * 1024 * 1024,
  chainId: 31337,
  channels: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
  sessionNonce: newSessionNonce(),
  clientTunnelKey: Buffer.alloc(32, 9).toString('base64'),
  expiry: Math.floor(Date.now() / 1000) + 60,
  signature: `0x${'11'.repeat(64)}1b`,
  ...overrides,
});
