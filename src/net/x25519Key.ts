/**
 * X25519 static public keys of the data plane as the control plane carries them:
 * canonical padded base64 of exactly 32 bytes (44 characters).
 */
import type { Hex } from 'viem';

/** True when `text` is the canonical base64 of 32 bytes. */
export function isX25519PublicKey(text: unknown): text is string {
  if (typeof text !== 'string' || text.length !== 44) return false;
  const bytes = Buffer.from(text, 'base64');
  return bytes.length === 32 && bytes.toString('base64') === text;
}

/** The key as the `bytes32` EIP-712 offers sign. */
export function x25519KeyToBytes32(text: string): Hex {
  return `0x${Buffer.from(text, 'base64').toString('hex')}`;
}
