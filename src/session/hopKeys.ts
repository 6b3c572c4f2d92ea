/**
 * Per-hop payer keys: every channel a path pays through has its own signer, so no two hops, and no hop
 * and the wallet, share an address a provider (or the chain) could link. A hop key is derived from the
 * wallet's signature over a random per-channel salt (`keccak256(signature)`); the salt is kept in the
 * ChannelStore before the channel is opened, so after a crash the same wallet re-derives the same key
 * from the store (nothing secret on disk; the store alone yields no key). Deterministic because
 * secp256k1 signatures are (RFC 6979), which `hopKey.test.ts` checks.
 */
import { randomBytes } from 'node:crypto';
import { type Address, type Hex, keccak256, type LocalAccount } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import type { ChannelStore } from '../store/ChannelStore.ts';

/** What the wallet signs (EIP-191) to derive a hop key: the domain tag keeps it from meaning anything else. */
export function hopKeyMessage(salt: Hex): string {
  return `Bandex hop payer key\nsalt: ${salt}\nSigning this derives a payment key; never sign it for anyone else.`;
}

/** The hop key for `salt`: `keccak256(wallet's signature over hopKeyMessage(salt))`. */
export async function deriveHopKey(wallet: LocalAccount, salt: Hex): Promise<LocalAccount> {
  const signature = await wallet.signMessage({ message: hopKeyMessage(salt) });
  return privateKeyToAccount(keccak256(signature));
}

const saltKey = (hop: Address) => `payer.hopSalt.${hop.toLowerCase()}`;

/** A fresh hop key, its salt saved in `store` first (a crash after the channel opens loses nothing). */
export async function newHopKey(wallet: LocalAccount, store: ChannelStore): Promise<LocalAccount> {
  const salt: Hex = `0x${randomBytes(32).toString('hex')}`;
  const key = await deriveHopKey(wallet, salt);
  store.setMeta(saltKey(key.address), salt);
  return key;
}

/** The hop key with address `hop`, re-derived from its saved salt; undefined when this store has none. */
export async function recoverHopKey(
  wallet: LocalAccount,
  store: ChannelStore,
  hop: Address,
): Promise<LocalAccount | undefined> {
  const salt = store.getMeta(saltKey(hop)) as Hex | undefined;
  if (!salt) return undefined;
  const key = await deriveHopKey(wallet, salt);
  return key.address.toLowerCase() === hop.toLowerCase() ? key : undefined;
}
