/**
 * WireGuard key pairs (Curve25519, as WireGuard's static keys) made with `@noble/curves`, fresh per VPN
 * session, and the two spellings WireGuard uses: base64 (`wg`, configs, the handshake message here) and
 * lowercase hex (wireguard-go's control protocol).
 */
import { x25519 } from '@noble/curves/ed25519.js';

export type WireguardKeyPair = { privateKey: Uint8Array; publicKey: Uint8Array };

export function generateWireguardKeyPair(): WireguardKeyPair {
  const privateKey = x25519.utils.randomPrivateKey();
  return { privateKey, publicKey: x25519.getPublicKey(privateKey) };
}

export const keyToHex = (key: Uint8Array): string => Buffer.from(key).toString('hex');
export const keyToBase64 = (key: Uint8Array): string => Buffer.from(key).toString('base64');

/** A 32-byte key from base64, or undefined when it is not one. */
export function keyFromBase64(text: unknown): Uint8Array | undefined {
  if (typeof text !== 'string' || !/^[A-Za-z0-9+/]{43}=$/.test(text)) return undefined;
  const key = Buffer.from(text, 'base64');
  return key.length === 32 ? new Uint8Array(key) : undefined;
}
