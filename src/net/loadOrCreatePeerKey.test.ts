import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { hasErrorCode } from '../errors/BaseError.ts';
import { loadOrCreatePeerKey } from './loadOrCreatePeerKey.ts';

const dir = await mkdtemp(join(tmpdir(), 'bandex-peerkey-'));
after(() => rm(dir, { recursive: true, force: true }));

describe('loadOrCreatePeerKey', () => {
  it('creates an Ed25519 key with mode 0600 and reloads the same peer id', async () => {
    const file = join(dir, 'state', 'peer.key');
    const first = await loadOrCreatePeerKey(file);
    assert.equal(first.created, true);
    assert.equal(first.privateKey.type, 'Ed25519');
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.equal((await stat(join(dir, 'state'))).mode & 0o777, 0o700);
    const second = await loadOrCreatePeerKey(file);
    assert.equal(second.created, false);
    assert.equal(peerIdFromPrivateKey(second.privateKey).toString(), peerIdFromPrivateKey(first.privateKey).toString());
  });

  it('refuses a key file readable by others', async () => {
    const file = join(dir, 'open.key');
    await loadOrCreatePeerKey(file);
    await chmod(file, 0o644);
    await assert.rejects(loadOrCreatePeerKey(file), (e) => hasErrorCode(e, 'NET_PEER_KEY_INSECURE'));
  });

  it('refuses a file that is not a libp2p key', async () => {
    const file = join(dir, 'junk.key');
    await writeFile(file, 'not a key', { mode: 0o600 });
    await assert.rejects(loadOrCreatePeerKey(file), (e) => hasErrorCode(e, 'NET_PEER_KEY_INVALID'));
  });

  it('honours an aborted signal', async () => {
    await assert.rejects(loadOrCreatePeerKey(join(dir, 'x.key'), { signal: AbortSignal.abort() }), {
      name: 'AbortError',
    });
  });
});
