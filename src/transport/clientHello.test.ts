/** ClientHello parsing and JA3/JA4, on a hello built like Chrome's and on hellos Node really sends. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { type ConnectionOptions, connect } from 'node:tls';
import { isGrease, ja3, ja4, parseClientHello } from './clientHello.ts';
import { WSS_CLIENT_TLS } from './wssClientTls.ts';

const u16 = (v: number) => Buffer.from([v >> 8, v & 0xff]);
const vec16 = (b: Buffer) => Buffer.concat([u16(b.length), b]);
const vec8 = (b: Buffer) => Buffer.concat([Buffer.from([b.length]), b]);
const list16 = (values: readonly number[]) => Buffer.concat(values.map(u16));

/** A ClientHello record with these ciphers and extensions (type → body), in the order given. */
function helloRecord(ciphers: readonly number[], extensions: ReadonlyArray<[number, Buffer]>): Buffer {
  const body = Buffer.concat([
    u16(0x0303),
    randomBytes(32),
    vec8(randomBytes(32)),
    vec16(list16(ciphers)),
    vec8(Buffer.from([0])),
    vec16(Buffer.concat(extensions.map(([type, data]) => Buffer.concat([u16(type), vec16(data)])))),
  ]);
  const handshake = Buffer.concat([
    Buffer.from([1, body.length >> 16, (body.length >> 8) & 0xff, body.length & 0xff]),
    body,
  ]);
  return Buffer.concat([Buffer.from([0x16, 0x03, 0x01]), vec16(handshake)]);
}

const GREASE = 0x3a3a;
/** Chrome 131's ClientHello, as its public JA4 describes it: GREASE, 15 ciphers, 16 extensions, ALPS 0x44cd, ECH. */
function chromeLikeHello(order: (ext: Array<[number, Buffer]>) => Array<[number, Buffer]> = (e) => e): Buffer {
  const ciphers = [GREASE, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014];
  ciphers.push(0x009c, 0x009d, 0x002f, 0x0035);
  const name = Buffer.from('notes.example');
  const alpn = Buffer.concat(['h2', 'http/1.1'].map((p) => vec8(Buffer.from(p))));
  const sigalgs = [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601];
  const share = (group: number, length: number) => Buffer.concat([u16(group), vec16(randomBytes(length))]);
  const extensions: Array<[number, Buffer]> = [
    [0x0000, vec16(Buffer.concat([Buffer.from([0]), vec16(name)]))],
    [0x0005, Buffer.from([1, 0, 0, 0, 0])],
    [0x000a, vec16(list16([GREASE, 0x11ec, 0x001d, 0x0017, 0x0018]))],
    [0x000b, vec8(Buffer.from([0]))],
    [0x000d, vec16(list16(sigalgs))],
    [0x0010, vec16(alpn)],
    [0x0012, Buffer.alloc(0)],
    [0x0017, Buffer.alloc(0)],
    [0x001b, Buffer.from([2, 0, 2])],
    [0x0023, Buffer.alloc(0)],
    [0x002b, vec8(list16([GREASE, 0x0304, 0x0303]))],
    [0x002d, vec8(Buffer.from([1]))],
    [0x0033, vec16(Buffer.concat([share(GREASE, 1), share(0x11ec, 1216), share(0x001d, 32)]))],
    [0x44cd, Buffer.from([0, 3, 2, 0x68, 0x32])],
    [0xfe0d, randomBytes(40)],
    [0xff01, Buffer.from([0])],
  ];
  return helloRecord(ciphers, order([[0x1a1a, Buffer.alloc(0)], ...extensions, [0x2a2a, Buffer.from([0])]]));
}

/** The first bytes a Node TLS client with `options` sends (a real socket). */
function captureHello(options: ConnectionOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const server = createServer((socket) => {
      socket.once('data', (bytes: Buffer) => {
        resolve(bytes);
        socket.destroy();
        server.close();
      });
    });
    server.listen(0, '127.0.0.1', () => {
      const client = connect({
        host: '127.0.0.1',
        port: (server.address() as { port: number }).port,
        servername: 'notes.example',
        ...options,
      });
      client.on('error', () => {});
      client.once('close', () => client.destroy());
    });
    server.once('error', reject);
  });
}

describe('ClientHello fingerprints (JA3, JA4)', () => {
  it("a Chrome-like hello gives Chrome's published JA4, whatever the extension order and GREASE", () => {
    const hello = parseClientHello(chromeLikeHello());
    assert.equal(hello.serverName, 'notes.example');
    assert.deepEqual(hello.alpn, ['h2', 'http/1.1']);
    assert.deepEqual(hello.keyShares, [GREASE, 0x11ec, 0x001d]);
    assert.equal(ja4(hello), 't13d1516h2_8daaf6152771_d8a2da3f94cd');
    const shuffled = parseClientHello(chromeLikeHello((e) => [...e].reverse()));
    assert.equal(ja4(shuffled), ja4(hello));
    assert.notEqual(ja3(shuffled).hash, ja3(hello).hash, 'JA3 follows the order (why Chrome broke it)');
    assert.ok(!ja3(hello).text.includes(String(GREASE)));
  });

  it('GREASE values are the sixteen 0x?a?a codepoints', () => {
    const grease = Array.from({ length: 65_536 }, (_, v) => v).filter(isGrease);
    assert.equal(grease.length, 16);
    assert.deepEqual(grease.slice(0, 2), [0x0a0a, 0x1a1a]);
  });

  it("Node's default hello and the wss client's, captured from real sockets", async () => {
    const node = parseClientHello(await captureHello({}));
    const wss = parseClientHello(await captureHello(WSS_CLIENT_TLS));
    assert.match(ja4(node), /^t13d\d{4}00_/);
    assert.ok(node.ciphers.length > 40, "OpenSSL's default list: far more suites than a browser's");
    // The wss client offers Chrome's cipher suites (the JA4 cipher hash is Chrome's), groups and sigalgs.
    assert.equal(ja4(wss).split('_')[1], '8daaf6152771');
    assert.match(ja4(wss), /^t13d15\d\dh1_/);
    assert.deepEqual(wss.groups, [0x11ec, 0x001d, 0x0017, 0x0018]);
    assert.deepEqual(wss.keyShares, [0x11ec, 0x001d]);
    assert.deepEqual(wss.sigalgs, [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601]);
    assert.ok(wss.extensions.includes(0x0005), 'status_request, as Chrome');
    assert.ok(!wss.extensions.includes(0x0016), 'no encrypt_then_mac, as Chrome');
    assert.equal(wss.serverName, 'notes.example');
  });

  it('refuses what is not a whole ClientHello with TRANSPORT_FRAMING', () => {
    const whole = chromeLikeHello();
    for (const bad of [
      Buffer.alloc(0),
      whole.subarray(0, 60),
      Buffer.from('GET / HTTP/1.1\r\n\r\n'),
      Buffer.alloc(300, 0x17),
    ]) {
      assert.throws(() => parseClientHello(bad), { code: 'TRANSPORT_FRAMING' });
    }
  });
});
