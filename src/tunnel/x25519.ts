/**
 * X25519 static and ephemeral keys as raw 32-byte values, on node:crypto. A tunnel
 * identity is a `StaticKeyPair`; the client learns a provider's `publicKey` from its offer.
 */
import { createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { DH_LEN } from './constants.ts';
import { HandshakeError } from './errors.ts';

export type StaticKeyPair = { publicKey: Buffer; privateKey: KeyObject };

/** Generates an X25519 key pair (static identity or handshake ephemeral). */
export function generateStaticKeyPair(): StaticKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('x25519');
  return { publicKey: rawPublicKey(publicKey), privateKey };
}

/** Rebuilds a key pair from a raw 32-byte private key (persisted identities). */
export function staticKeyPairFromPrivate(raw: Buffer): StaticKeyPair {
  // PKCS#8 prefix for an X25519 private key (RFC 8410).
  const der = Buffer.concat([Buffer.from('302e020100300506032b656e04220420', 'hex'), raw]);
  const privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  return { publicKey: rawPublicKey(createPublicKey(privateKey)), privateKey };
}

function rawPublicKey(key: KeyObject): Buffer {
  return key.export({ format: 'der', type: 'spki' }).subarray(-DH_LEN);
}

function publicKeyObject(raw: Buffer): KeyObject {
  if (raw.length !== DH_LEN) throw new HandshakeError('Bad public key length', { code: 'TUNNEL_BAD_PUBLIC_KEY' });
  const der = Buffer.concat([Buffer.from('302a300506032b656e032100', 'hex'), raw]);
  return createPublicKey({ key: der, format: 'der', type: 'spki' });
}

/** DH(private, public) → 32-byte shared secret; rejects low-order points (all-zero output). */
export function dh(privateKey: KeyObject, publicKey: Buffer): Buffer {
  let out: Buffer;
  try {
    out = diffieHellman({ privateKey, publicKey: publicKeyObject(publicKey) });
  } catch (cause) {
    throw new HandshakeError('Key agreement failed', { code: 'TUNNEL_BAD_PUBLIC_KEY', cause });
  }
  if (out.every((b) => b === 0)) throw new HandshakeError('Low-order public key', { code: 'TUNNEL_BAD_PUBLIC_KEY' });
  return out;
}
