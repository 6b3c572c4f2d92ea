import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { dial } from '../../test/support/tunnelHarness.ts';
import { hasErrorCode } from '../errors/BaseError.ts';
import { initiatorStart, responderRespond } from './noiseIK.ts';
import { SecureChannel } from './SecureChannel.ts';
import { generateStaticKeyPair } from './x25519.ts';

async function socketPair(): Promise<[Socket, Socket]> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const accepted = once(server, 'connection');
  const client = await dial((server.address() as { port: number }).port);
  const [peer] = (await accepted) as [Socket];
  server.close();
  return [client, peer];
}

describe('Noise IK', () => {
  it('both sides derive matching keys and authenticate statics', () => {
    const initiator = generateStaticKeyPair();
    const responder = generateStaticKeyPair();
    const start = initiatorStart(initiator, responder.publicKey);
    const response = responderRespond(responder, start.message);
    const result = start.finish(response.message);
    assert.ok(response.result.remoteStatic.equals(initiator.publicKey));
    assert.ok(result.handshakeHash.equals(response.result.handshakeHash));
    const sealed = result.send.encryptWithAd(Buffer.alloc(0), Buffer.from('hello'));
    assert.equal(response.result.receive.decryptWithAd(Buffer.alloc(0), sealed).toString(), 'hello');
  });

  it('a wrong responder key fails the handshake', () => {
    const start = initiatorStart(generateStaticKeyPair(), generateStaticKeyPair().publicKey);
    assert.throws(
      () => responderRespond(generateStaticKeyPair(), start.message),
      (e) => hasErrorCode(e, 'TUNNEL_HANDSHAKE_FAILED'),
    );
  });
});

describe('SecureChannel', () => {
  it('carries records both ways, across rekey-free sizes up to the max', async () => {
    const [a, b] = await socketPair();
    const server = generateStaticKeyPair();
    const [client, peer] = await Promise.all([
      SecureChannel.open({ transport: a, localStatic: generateStaticKeyPair(), remoteStatic: server.publicKey }),
      SecureChannel.open({ transport: b, localStatic: server }),
    ]);
    const got: Buffer[] = [];
    peer.on('record', (r) => got.push(r));
    const big = Buffer.alloc(65_541, 7);
    client.send([Buffer.from('ab'), Buffer.from('cd')]);
    client.send([big]);
    while (got.length < 2) await once(peer, 'record');
    assert.equal(got[0]?.toString(), 'abcd');
    assert.ok(got[1]?.equals(big));
    assert.throws(
      () => client.send([Buffer.alloc(70_000)]),
      (e) => hasErrorCode(e, 'TUNNEL_RECORD_TOO_LARGE'),
    );
    client.close();
    await once(peer, 'close');
  });

  for (const [name, bytes, code] of [
    ['a flipped ciphertext bit', (r: Buffer) => (r[r.length - 1] = (r[r.length - 1] as number) ^ 1), 'TUNNEL_BAD_TAG'],
    ['an oversized length', (r: Buffer) => r.writeUIntBE(0xffffff, 0, 3), 'TUNNEL_RECORD_TOO_LARGE'],
  ] as const) {
    it(`closes with a typed error on ${name}`, async () => {
      const [a, b] = await socketPair();
      const server = generateStaticKeyPair();
      const [client, peer] = await Promise.all([
        SecureChannel.open({ transport: a, localStatic: generateStaticKeyPair(), remoteStatic: server.publicKey }),
        SecureChannel.open({ transport: b, localStatic: server }),
      ]);
      // Intercept the raw record and corrupt it.
      const record = Buffer.alloc(3 + 5 + 16);
      record.writeUIntBE(5 + 16, 0, 3);
      bytes(record);
      client.transport.write(record);
      const [error] = await once(peer, 'close');
      assert.ok(hasErrorCode(error, code), String(error));
      client.close();
    });
  }

  it('truncated input at end of stream is a typed error', async () => {
    const [a, b] = await socketPair();
    const server = generateStaticKeyPair();
    const [client, peer] = await Promise.all([
      SecureChannel.open({ transport: a, localStatic: generateStaticKeyPair(), remoteStatic: server.publicKey }),
      SecureChannel.open({ transport: b, localStatic: server }),
    ]);
    client.transport.end(Buffer.from([0, 0, 40, 1, 2]));
    const [error] = await once(peer, 'close');
    assert.ok(hasErrorCode(error, 'TUNNEL_TRUNCATED'));
  });

  it('garbage instead of a handshake is refused', async () => {
    const [a, b] = await socketPair();
    const opening = SecureChannel.open({ transport: b, localStatic: generateStaticKeyPair() });
    a.write(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(4)));
    await assert.rejects(
      opening,
      (e) => hasErrorCode(e, 'TUNNEL_HANDSHAKE_FAILED') || hasErrorCode(e, 'TUNNEL_HANDSHAKE_MALFORMED'),
    );
    a.destroy();
  });
});
