/**
 * The daemon's persistent libp2p identity: an Ed25519 private key in its state
 * directory, created on first run (mode 0600, directory 0700) and reloaded after, so
 * the peer id registered on chain stays the same across restarts. The file holds the
 * libp2p protobuf encoding of the key (the format of `privateKeyToProtobuf`).
 */
import { mkdir, open, readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys';
import type { PrivateKey } from '@libp2p/interface';
import { PeerKeyError } from './errors.ts';

export type LoadOrCreatePeerKeyOptions = { signal?: AbortSignal };

export type LoadOrCreatePeerKeyReturnType = { privateKey: PrivateKey; created: boolean };

/**
 * Loads the Ed25519 peer key from `file`, or creates it (exclusively, 0600) if absent.
 *
 * @throws {PeerKeyError} `NET_PEER_KEY_INSECURE` if group/other can read it,
 *   `NET_PEER_KEY_INVALID` if it is not an Ed25519 libp2p key, `NET_PEER_KEY_UNREADABLE` on I/O errors.
 * @example
 * const { privateKey } = await loadOrCreatePeerKey(join(stateDir, 'peer.key'))
 * const node = await createBandexNode({ privateKey, listen: ['/ip4/0.0.0.0/tcp/4001'], bootstrap: [], signal })
 */
export async function loadOrCreatePeerKey(
  file: string,
  { signal }: LoadOrCreatePeerKeyOptions = {},
): Promise<LoadOrCreatePeerKeyReturnType> {
  signal?.throwIfAborted();
  const existing = await readKey(file, signal);
  if (existing) return { privateKey: existing, created: false };

  const privateKey = await generateKeyPair('Ed25519');
  try {
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    signal?.throwIfAborted();
    // 'wx': fail if another process created it meanwhile; then we read theirs.
    const handle = await open(file, 'wx', 0o600);
    try {
      await handle.writeFile(privateKeyToProtobuf(privateKey), { signal });
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'EEXIST') {
      const raced = await readKey(file, signal);
      if (raced) return { privateKey: raced, created: false };
    }
    if (signal?.aborted) throw cause;
    throw new PeerKeyError(file, 'NET_PEER_KEY_UNREADABLE', `cannot create it (${errnoOf(cause)})`, cause);
  }
  return { privateKey, created: true };
}

async function readKey(file: string, signal: AbortSignal | undefined): Promise<PrivateKey | undefined> {
  let bytes: Buffer;
  try {
    const info = await stat(file);
    if ((info.mode & 0o077) !== 0) {
      throw new PeerKeyError(
        file,
        'NET_PEER_KEY_INSECURE',
        `it is readable by others (mode ${(info.mode & 0o777).toString(8)})`,
      );
    }
    bytes = await readFile(file, { signal });
  } catch (cause) {
    if (cause instanceof PeerKeyError) throw cause;
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    if (signal?.aborted) throw cause;
    throw new PeerKeyError(file, 'NET_PEER_KEY_UNREADABLE', `unreadable (${errnoOf(cause)})`, cause);
  }
  let key: PrivateKey;
  try {
    key = privateKeyFromProtobuf(bytes);
  } catch (cause) {
    throw new PeerKeyError(file, 'NET_PEER_KEY_INVALID', 'it is not a libp2p private key', cause);
  }
  if (key.type !== 'Ed25519')
    throw new PeerKeyError(file, 'NET_PEER_KEY_INVALID', `it is a ${key.type} key, not Ed25519`);
  return key;
}

function errnoOf(cause: unknown): string {
  return (cause as NodeJS.ErrnoException).code ?? String(cause);
}
