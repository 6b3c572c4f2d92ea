import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { dial } from '../../test/support/tunnelHarness.ts';
import { hasErrorCode } from '../errors/BaseError.ts';
import { initiatorStart, responderRead, responderRespond } from './noiseIK.ts';
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

describe('Noise IK payloads (a proposal in message 1, the answer in message 2)', () => {
  it('each side reads the other’s payload; a relay in between sees neither in clear', () => {
    const initiator = generateStaticKeyPair();
    const responder = generateStaticKeyPair();
    const proposal = Buffer.from('{"type":"propose","secret":"payer-0xabc"}');
    const start = initiatorStart(initiator, responder.publicKey, undefined, proposal);
    assert.equal(start.message.indexOf(Buffer.from('payer-0xabc')), -1, 'message 1 carries ciphertext only');
    const read = responderRead(responder, start.message);
    assert.ok(read.payload.equals(proposal));
    assert.ok(read.remoteStatic.equals(initiator.publicKey));
    const answer = Buffer.from('{"type":"accept"}');
    const response = read.respond(answer);
    assert.equal(response.message.indexOf(answer), -1, 'message 2 carries ciphertext only');
    assert.ok(start.finish(response.message).payload.equals(answer));
  });

  it('a tampered message 1 (any byte of the payload) fails the handshake', () => {
    const responder = generateStaticKeyPair();
    const start = initiatorStart(generateStaticKeyPair(), responder.publicKey, undefined, Buffer.from('proposal'));
    for (const at of [0, 40, start.message.length - 20, start.message.length - 1]) {
      const tampered = Buffer.from(start.message);
      tampered[at] = (tampered[at] as number) ^ 1;
      assert.throws(
        () => responderRead(responder, tampered),
        (e) => hasErrorCode(e, 'TUNNEL_HANDSHAKE_FAILED'),
      );
    }
  });

  it('a payload over MAX_HANDSHAKE_PAYLOAD is refused on both sides', () => {
    const responder = generateStaticKeyPair();
    assert.throws(
      () => initiatorStart(generateStaticKeyPair(), responder.publicKey, undefined, Buffer.alloc(2_049)),
      (e) => hasErrorCode(e, 'TUNNEL_HANDSHAKE_MALFORMED'),
    );
    assert.throws(
      () => responderRead(responder, Buffer.alloc(96 + 2_049)),
      (e) => hasErrorCode(e, 'TUNNEL_HANDSHAKE_MALFORMED'),
    );
  });
});

describe('SecureChannel', () => {
  it('a proposal in the handshake: the responder answers it before the channel opens', async () => {
    const [a, b] = await socketPair();
    const server = generateStaticKeyPair();
    const [client, peer] = await Promise.all([
      SecureChannel.open({
        transport: a,
        localStatic: generateStaticKeyPair(),
        remoteStatic: server.publicKey,
        payload: Buffer.from('propose'),
      }),
      SecureChannel.open({
        transport: b,
        localStatic: server,
        answer: async (payload) => Buffer.from(`answer to ${payload.toString()}`),
      }),
    ]);
    assert.equal(peer.handshakePayload.toString(), 'propose');
    assert.equal(client.handshakePayload.toString(), 'answer to propose');
    client.close();
    peer.close();
  });

  it('an answer that never comes fails the handshake at its deadline', async () => {
    const [a, b] = await socketPair();
    const server = generateStaticKeyPair();
    const results = await Promise.allSettled([
      SecureChannel.open({ transport: a, localStatic: generateStaticKeyPair(), remoteStatic: server.publicKey }),
      SecureChannel.open({ transport: b, localStatic: server, timeoutMs: 200, answer: () => new Promise(() => {}) }),
    ]);
    assert.ok(results.every((r) => r.status === 'rejected'));
    assert.ok(hasErrorCode((results[1] as PromiseRejectedResult).reason, 'TUNNEL_HANDSHAKE_TIMEOUT'));
  });

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
