/**
 * The provider's long-term X25519 tunnel key (its offers advertise the public half): 32 raw bytes
 * in a 0600 file in the state directory, created on first start (`loadOrCreateSecret`).
 */
import { type StaticKeyPair, staticKeyPairFromPrivate } from '../tunnel/x25519.ts';
import { loadOrCreateSecret } from './loadOrCreateSecret.ts';

export function loadOrCreateTunnelKey(file: string): StaticKeyPair {
  return staticKeyPairFromPrivate(loadOrCreateSecret(file, 32, 'tunnel key'));
}
