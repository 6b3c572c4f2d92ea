/**
 * Notes encrypted at rest with the wallet: the key is sha256 of the wallet account's signature of a fixed
 * message (deterministic, RFC 6979), so only the wallet can read its notes and no extra password is needed;
 * AES-256-GCM, a fresh IV per write, the tag authenticates (a tampered or foreign file is refused).
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { LocalAccount } from 'viem';
import type { PoolNoteRecord } from './PoolWallet.ts';

const NOTES_KEY_MESSAGE = 'Bandex shielded pool notes, encryption key v1';

export type SealedNotes = { version: 1; iv: string; tag: string; ciphertext: string };

export async function notesKey(account: Pick<LocalAccount, 'signMessage'>): Promise<Buffer> {
  const signature = await account.signMessage({ message: NOTES_KEY_MESSAGE });
  return createHash('sha256').update(signature).digest();
}

export function sealNotes(notes: readonly PoolNoteRecord[], key: Buffer): SealedNotes {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const plain = JSON.stringify(notes, (_, v) => (typeof v === 'bigint' ? `${v}n` : v));
  const ciphertext = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return {
    version: 1,
    iv: iv.toString('hex'),
    tag: cipher.getAuthTag().toString('hex'),
    ciphertext: ciphertext.toString('hex'),
  };
}

/** @throws Error when the key is not the wallet's that sealed them or the file was altered. */
export function openNotes(sealed: SealedNotes, key: Buffer): PoolNoteRecord[] {
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'hex'));
  decipher.setAuthTag(Buffer.from(sealed.tag, 'hex'));
  const plain = Buffer.concat([decipher.update(Buffer.from(sealed.ciphertext, 'hex')), decipher.final()]).toString(
    'utf8',
  );
  return JSON.parse(plain, (_, v) => (typeof v === 'string' && /^\d+n$/.test(v) ? BigInt(v.slice(0, -1)) : v));
}
