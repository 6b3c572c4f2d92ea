/**
 * The wss handshake's first flights: their sizes (pure), and a client that sends its first frames with
 * the upgrade request facing servers that are not the tunnel's (real TLS sockets): a cover site's answer,
 * a wrong accept key, an endless head, silence. Each fails the upgrade (`TRANSPORT_*`) and nothing the
 * server sent reaches the tunnel.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createServer as createTlsServer, type TLSSocket, type Server as TlsServer } from 'node:tls';
import { WS_GET_SIZE_MAX, WS_GET_SIZE_MIN, WS_MAX_RESPONSE_HEAD, WS_SERVER_BURST } from './constants.ts';
import { coverPageResponseLength, DEFAULT_COVER_PAGE } from './coverSite.ts';
import { removeCert, type SelfSignedCert, selfSignedCert } from './selfSignedCert.ts';
import { createWsCodec, encodeWsFrame, WsOpcode } from './wsFrame.ts';
import {
  createWssClientCodec,
  createWssServerCodec,
  dialWss,
  paddingPongs,
  parseResponseHead,
  switchingProtocols,
  upgradeRequest,
  webSocketAccept,
} from './wss.ts';

const total = (pieces: readonly Buffer[]) => pieces.reduce((a, p) => a + p.length, 0);

describe('wss first flights (pure)', () => {
  it('the upgrade request and the frames behind it come to the size asked for', () => {
    for (const following of [0, 98, 930]) {
      const request = upgradeRequest('notes.example', '/secret', randomBytes(16).toString('base64'), 1_700, following);
      assert.equal(request.length + following, 1_700);
      assert.ok(request.endsWith('\r\n\r\n'));
    }
  });

  it('padding pongs come to the bytes asked for, and a peer decodes them to nothing', () => {
    for (const bytes of [6, 7, 131, 134, 137, 1_000, 65_448]) {
      const masked = paddingPongs(bytes, true);
      assert.equal(total(masked), bytes);
      assert.deepEqual(createWsCodec('server').decode(Buffer.concat(masked)), []);
      const plain = paddingPongs(bytes, false);
      assert.equal(total(plain), bytes);
      assert.deepEqual(createWsCodec('client').decode(Buffer.concat(plain)), []);
    }
  });

  it("the client's first flight is a GET's size; the second too; later ones are not padded", () => {
    const codec = createWssClientCodec({ host: 'notes.example', path: '/secret', key: 'k' }, () => {});
    const first = total(codec.encode([randomBytes(920)]));
    assert.ok(first >= WS_GET_SIZE_MIN && first <= WS_GET_SIZE_MAX, `${first}`);
    const second = total(codec.encode([randomBytes(60)]));
    assert.ok(second >= WS_GET_SIZE_MIN && second <= WS_GET_SIZE_MAX, `${second}`);
    assert.equal(total(codec.encode([randomBytes(60)])), 60 + 6);
  });

  it("the server's held answer: the 101 and the first frames are the cover page's answer's size; a lone later flight a burst", () => {
    const key = randomBytes(16).toString('base64');
    const size = coverPageResponseLength(DEFAULT_COVER_PAGE);
    const codec = createWssServerCodec({ key, size });
    const first = Buffer.concat(codec.encode([randomBytes(50)]));
    assert.equal(first.length, size);
    const end = first.indexOf('\r\n\r\n');
    const { status, headers } = parseResponseHead(first.subarray(0, end));
    assert.equal(status, 101);
    assert.equal(headers.get('sec-websocket-accept'), webSocketAccept(key));
    codec.padNext(WS_SERVER_BURST);
    assert.equal(total(codec.encode([randomBytes(30)])), WS_SERVER_BURST);
    assert.equal(total(codec.encode([randomBytes(30)])), 32);
  });

  it('a ping that arrives with the request is answered after the 101, not before it', () => {
    const key = randomBytes(16).toString('base64');
    const codec = createWssServerCodec({ key, size: 400 });
    codec.decode(Buffer.concat(encodeWsFrame(WsOpcode.ping, [Buffer.from('hi')], true)));
    const replies = Buffer.concat(codec.takeReplies?.() ?? []);
    assert.ok(replies.subarray(0, 12).toString('latin1').startsWith('HTTP/1.1 101'));
    assert.equal(replies.length, 400);
  });

  it("the client decodes nothing before a 101 with the right accept key (a cover site's answer is no tunnel)", () => {
    const key = randomBytes(16).toString('base64');
    const frame = Buffer.concat(encodeWsFrame(WsOpcode.binary, [Buffer.from('tunnel?')], false));
    const answers = [
      Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 9\r\n\r\n'), frame]),
      Buffer.concat([switchingProtocols('another key', 300), frame]),
    ];
    for (const answer of answers) {
      const errors: unknown[] = [];
      const codec = createWssClientCodec({ host: 'h', path: '/p', key }, (error) => errors.push(error));
      codec.encode([Buffer.from('message 1')]);
      assert.throws(() => codec.decode(answer), { code: 'TRANSPORT_CONNECT_FAILED' });
      assert.equal((errors[0] as { code?: string })?.code, 'TRANSPORT_CONNECT_FAILED');
    }
    const good = createWssClientCodec({ host: 'h', path: '/p', key }, () => {});
    assert.deepEqual(
      Buffer.concat(good.decode(Buffer.concat([switchingProtocols(key, 300), frame]))).toString(),
      'tunnel?',
    );
  });
});

describe('wss client against servers that are not the tunnel', () => {
  let cert: SelfSignedCert;
  let server: TlsServer;
  let port = 0;
  /** What the fake server does with the client's first flight. */
  let answer: (socket: TLSSocket, first: Buffer) => void = () => {};
  const firstFlights: Buffer[] = [];

  before(async () => {
    cert = selfSignedCert('notes.example');
    server = createTlsServer({ key: cert.key, cert: cert.cert }, (socket) => {
      socket.on('error', () => {});
      socket.once('data', (first: Buffer) => {
        firstFlights.push(first);
        answer(socket, first);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  after(async () => {
    await new Promise((resolve) => server.close(resolve));
    removeCert(cert);
  });

  const dial = (timeoutMs?: number) =>
    dialWss(
      { host: '127.0.0.1', port, timeoutMs },
      { path: '/secret', serverName: 'notes.example', certSha256: cert.sha256 },
    );

  it('sends the request and the first frames in one flight', async () => {
    answer = (socket) => socket.end('HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n');
    const stream = await dial();
    stream.on('error', () => {});
    stream.write(Buffer.from('message one'));
    await assert.rejects(stream.upgraded, { code: 'TRANSPORT_CONNECT_FAILED' });
    const first = firstFlights.at(-1) as Buffer;
    assert.ok(first.length >= WS_GET_SIZE_MIN && first.length <= WS_GET_SIZE_MAX, `${first.length}`);
    const end = first.indexOf('\r\n\r\n');
    assert.ok(first.subarray(0, end).toString('latin1').startsWith('GET /secret HTTP/1.1'));
    assert.deepEqual(
      createWsCodec('server')
        .decode(first.subarray(end + 4))
        .map(String),
      ['message one'],
    );
  });

  it("a stream nobody writes to still sends its request (alone, a GET's size)", async () => {
    const key = { value: '' };
    answer = (socket, first) => {
      key.value = /Sec-WebSocket-Key: (\S+)/.exec(first.toString('latin1'))?.[1] ?? '';
      socket.write(switchingProtocols(key.value, 400));
    };
    const stream = await dial();
    await stream.upgraded;
    const first = firstFlights.at(-1) as Buffer;
    assert.ok(first.length >= WS_GET_SIZE_MIN && first.length <= WS_GET_SIZE_MAX, `${first.length}`);
    assert.equal(first.indexOf('\r\n\r\n'), first.length - 4);
    stream.destroy();
  });

  it('a cover-site answer, a wrong accept key or an endless head fail the upgrade; nothing reaches the reader', async () => {
    const answers: Array<(socket: TLSSocket, first: Buffer) => void> = [
      (socket) => socket.write('HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\n\x82\x02hi'),
      (socket) =>
        socket.write(Buffer.concat([switchingProtocols('wrong', 300), Buffer.from([0x82, 0x02, 0x68, 0x69])])),
      (socket) => socket.write(`HTTP/1.1 101 Switching Protocols\r\nX: ${'a'.repeat(WS_MAX_RESPONSE_HEAD + 1)}`),
    ];
    for (const a of answers) {
      answer = a;
      const stream = await dial();
      const read: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => read.push(chunk));
      const failed = new Promise((resolve) => stream.once('error', resolve));
      stream.write(Buffer.from('message one'));
      await assert.rejects(stream.upgraded, { code: 'TRANSPORT_CONNECT_FAILED' });
      assert.equal(((await failed) as { code?: string }).code, 'TRANSPORT_CONNECT_FAILED');
      assert.equal(read.length, 0);
    }
  });

  it('a server that never answers: the upgrade times out (TRANSPORT_TIMEOUT)', async () => {
    answer = () => {};
    const stream = await dial(200);
    stream.on('error', () => {});
    stream.write(Buffer.from('message one'));
    await assert.rejects(stream.upgraded, { code: 'TRANSPORT_TIMEOUT' });
    assert.ok(stream.destroyed);
  });

  it('a certificate other than the pinned one: refused before anything is sent', async () => {
    const before = firstFlights.length;
    await assert.rejects(
      dialWss(
        { host: '127.0.0.1', port },
        { path: '/secret', serverName: 'notes.example', certSha256: 'ab'.repeat(32) },
      ),
      { code: 'TRANSPORT_CONNECT_FAILED' },
    );
    assert.equal(firstFlights.length, before);
  });
});
