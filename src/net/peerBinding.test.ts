import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { hasErrorCode } from '../errors/BaseError.ts';
import { peerBindingMessage } from './peerBinding.ts';
import { signPeerBinding } from './signPeerBinding.ts';
import { verifyPeerBinding } from './verifyPeerBinding.ts';

const account = privateKeyToAccount(generatePrivateKey());
const other = privateKeyToAccount(generatePrivateKey());
const peerId = peerIdFromPrivateKey(await generateKeyPair('Ed25519'));
const otherPeer = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString();

describe('peer binding', () => {
  it('signs the exact statement and verifies', async () => {
    const binding = await signPeerBinding(account, peerId, 31337);
    assert.equal(
      peerBindingMessage(binding.peerId, binding.address, 31337),
      `Bandex peer binding: peerId=${peerId} address=${account.address} chainId=31337`,
    );
    await verifyPeerBinding(binding, { peerId: peerId.toString(), address: account.address, chainId: 31337 });
  });

  it('rejects a binding signed by another account (forgery)', async () => {
    const forged = { ...(await signPeerBinding(other, peerId, 31337)), address: account.address };
    await assert.rejects(verifyPeerBinding(forged), (e) => hasErrorCode(e, 'NET_PEER_BINDING_BAD_SIGNATURE'));
  });

  it('rejects a binding whose peer id or chain was swapped after signing', async () => {
    const binding = await signPeerBinding(account, peerId, 31337);
    await assert.rejects(verifyPeerBinding({ ...binding, peerId: otherPeer }), (e) =>
      hasErrorCode(e, 'NET_PEER_BINDING_BAD_SIGNATURE'),
    );
    await assert.rejects(verifyPeerBinding({ ...binding, chainId: 1 }), (e) =>
      hasErrorCode(e, 'NET_PEER_BINDING_BAD_SIGNATURE'),
    );
  });

  it('rejects a valid binding for the wrong peer, address or chain', async () => {
    const binding = await signPeerBinding(account, peerId, 31337);
    for (const expected of [{ peerId: otherPeer }, { address: other.address }, { chainId: 1 }]) {
      await assert.rejects(verifyPeerBinding(binding, expected), (e) => hasErrorCode(e, 'NET_PEER_BINDING_MISMATCH'));
    }
  });

  it('rejects malformed bindings', async () => {
    const binding = await signPeerBinding(account, peerId, 31337);
    for (const bad of [
      { ...binding, peerId: 'not-a-peer' },
      { ...binding, signature: '0x1234' as const },
      { ...binding, chainId: 0 },
    ]) {
      await assert.rejects(verifyPeerBinding(bad), (e) => hasErrorCode(e, 'NET_PEER_BINDING_MALFORMED'));
    }
  });
});
