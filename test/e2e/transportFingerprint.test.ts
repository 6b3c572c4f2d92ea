/**
 * Issue 20: what a censor's classifier learns from the first packets of each transport, trained in
 * the test on traffic captured here (real sockets through a recording proxy): it tells `plain` from
 * HTTPS and from random bytes, and cannot tell the wss transport from HTTPS visits to the same server's
 * cover site, timing included (the test fails if it can). The GFW's popcount rule (Wu et al. 2023) is applied too: it blocks
 * obfs (fully random first packet) and passes wss.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import { connect as connectTcp } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { connect as connectTls, type TLSSocket } from 'node:tls';
import { WS_GET_SIZE_MAX, WS_GET_SIZE_MIN } from '../../src/transport/constants.ts';
import { COVER_MEDIA_PATH, COVER_MEDIA_SIZE } from '../../src/transport/coverSite.ts';
import { removeCert, type SelfSignedCert, selfSignedCert } from '../../src/transport/selfSignedCert.ts';
import type { TransportSpec } from '../../src/transport/transportSpec.ts';
import { WSS_CLIENT_TLS } from '../../src/transport/wssClientTls.ts';
import { connectClientSession } from '../../src/tunnel/connectClientSession.ts';
import { createExitPolicy } from '../../src/tunnel/exitPolicy.ts';
import { startTunnelListener, type TunnelListener } from '../../src/tunnel/startTunnelListener.ts';
import { generateStaticKeyPair } from '../../src/tunnel/x25519.ts';
import { type RecordingProxy, startRecordingProxy } from '../support/recordingProxy.ts';
import {
  bestThresholdRule,
  knnAccuracy,
  accuracy as ruleAccuracy,
  type Sample,
  splitHalves,
} from '../support/sessionClassifier.ts';
import {
  bitsPerByte,
  type FirstFlights,
  flightFeatures,
  gfwBlocks,
  logisticAccuracy,
  SEQUENCE_LENGTH,
  sequenceFeatures,
} from '../support/trafficFeatures.ts';
import { type Origin, startOrigin } from '../support/tunnelHarness.ts';

const PER_CLASS = 120;
const SNI = 'notes.example';
/** Bytes of a hop 1 session proposal (message 1's payload) on the devnet. */
const PROPOSAL_SIZE = 820;
/** Each class's bulk is followed this far (then the connection is closed): well past its first ten chunks. */
const BULK_SEEN = 512 * 1024;
/**
 * The path from the server: a link of 16 KiB per ms (about 130 Mbit/s), for the classes that carry bulk, so
 * that their chunks are what a bottleneck lets through rather than loopback artefacts (`startRecordingProxy`).
 */
const LINK = { bytesPerMs: 16 * 1024 };

/**
 * A browser-like GET of `path` on a keep-alive connection, of a size drawn from the range a browser's page
 * GETs with a site's cookies span (cookies vary).
 */
function browserGet(path: string): string {
  const head = [
    `GET ${path} HTTP/1.1`,
    `Host: ${SNI}`,
    'User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
    'Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
    'Accept-Language: en-US,en;q=0.9',
    'Accept-Encoding: gzip, deflate, br',
    'Connection: keep-alive',
  ].join('\r\n');
  const target = randomInt(WS_GET_SIZE_MIN, WS_GET_SIZE_MAX + 1);
  const pad = Math.max(1, target - head.length - '\r\nCookie: _ga=\r\n\r\n'.length);
  return `${head}\r\nCookie: _ga=${randomBytes(pad).toString('base64url').slice(0, pad)}\r\n\r\n`;
}

/**
 * Reads one HTTP response (head and `content-length` body) from `socket`, or its first `limit` bytes;
 * resolves with the response's length.
 */
function readResponse(socket: TLSSocket, limit = Number.POSITIVE_INFINITY): Promise<number> {
  return new Promise((resolve, reject) => {
    let seen = Buffer.alloc(0);
    let total = -1;
    const onData = (chunk: Buffer) => {
      if (total < 0) {
        seen = Buffer.concat([seen, chunk]);
        const end = seen.indexOf('\r\n\r\n');
        if (end < 0) return;
        const length = Number(/content-length: *(\d+)/i.exec(seen.subarray(0, end).toString('latin1'))?.[1]);
        total = end + 4 + length;
        chunk = seen;
        seen = Buffer.alloc(0);
        received = 0;
      }
      received += chunk.length;
      if (received >= Math.min(total, limit)) {
        socket.off('data', onData);
        socket.off('close', onClose);
        resolve(total);
      }
    };
    let received = 0;
    const onClose = () => reject(new Error('closed mid-response'));
    socket.on('data', onData);
    socket.once('close', onClose);
  });
}

describe('transport fingerprints: a learned classifier and the GFW rule', { timeout: 180_000 }, () => {
  const staticKeys = generateStaticKeyPair();
  let cert: SelfSignedCert;
  let listener: TunnelListener;
  let origin: Origin;
  const proxies: Record<'plain' | 'obfs' | 'wss' | 'cover', RecordingProxy> = {} as never;
  const flights: Record<'plain' | 'obfs' | 'wss' | 'cover' | 'random', FirstFlights[]> = {
    plain: [],
    obfs: [],
    wss: [],
    cover: [],
    random: [],
  };

  before(async () => {
    cert = selfSignedCert(SNI);
    origin = await startOrigin(COVER_MEDIA_SIZE);
    listener = await startTunnelListener({
      staticKeys,
      policy: createExitPolicy({ devnet: true }),
      transports: [
        { name: 'obfs', psk: randomBytes(32) },
        {
          name: 'wss',
          path: `/${randomBytes(16).toString('base64url')}`,
          tls: cert,
          serverName: SNI,
          certSha256: cert.sha256,
          // What a provider with its own TLS offers (clear records inside TLS): the traffic measured is that.
          bind: true,
        },
      ],
    });
    const [obfs, wss] = listener.transports;
    proxies.plain = await startRecordingProxy(listener.address.port);
    proxies.obfs = await startRecordingProxy((obfs as { address: { port: number } }).address.port);
    proxies.wss = await startRecordingProxy((wss as { address: { port: number } }).address.port, LINK);
    // The cover: page visits to the same server (what a censor sees of everyone else who visits the site), so
    // what differs is only what a tunnel does, not which TLS server answers.
    proxies.cover = await startRecordingProxy((wss as { address: { port: number } }).address.port, LINK);

    // Every tunnel session proposes (message 1 carries a session proposal's size of payload) and downloads the
    // cover site's video's size through the tunnel; every cover visit gets the page, then the video, on one
    // keep-alive connection: both classes carry bulk after their first round trips.
    const session = async (proxy: RecordingProxy, transport: TransportSpec) => {
      const count = proxy.flights.length;
      const s = await connectClientSession({
        hops: [
          {
            host: '127.0.0.1',
            port: proxy.port,
            publicKey: staticKeys.publicKey,
            transport,
            hello: randomBytes(PROPOSAL_SIZE),
          },
        ],
      });
      // As the SOCKS5 front opens streams (an optimistic CONNECT): the request follows the OPEN at once.
      const stream = await s.openStream({ host: '127.0.0.1', port: origin.port }, { early: true });
      const seen = new Promise<void>((resolve, reject) => {
        let received = 0;
        stream.on('data', (c: Buffer) => {
          received += c.length;
          if (received >= BULK_SEEN) resolve();
        });
        stream.once('end', () => reject(new Error(`the download ended at ${received} bytes`)));
        stream.once('error', reject);
      });
      stream.write(`GET /video HTTP/1.1\r\nHost: 127.0.0.1:${origin.port}\r\nConnection: close\r\n\r\n`);
      await seen;
      s.close();
      await proxy.closed(count + 1);
    };
    const visitCover = async () => {
      const count = proxies.cover.flights.length;
      const socket = connectTls({
        host: '127.0.0.1',
        port: proxies.cover.port,
        servername: SNI,
        ...WSS_CLIENT_TLS,
        rejectUnauthorized: false,
      });
      socket.on('error', () => {});
      await new Promise((resolve) => socket.once('secureConnect', resolve));
      socket.write(browserGet('/'));
      await readResponse(socket);
      socket.write(browserGet(COVER_MEDIA_PATH));
      assert.ok((await readResponse(socket, BULK_SEEN)) > COVER_MEDIA_SIZE);
      socket.destroy();
      await new Promise((resolve) => socket.once('close', resolve));
      await proxies.cover.closed(count + 1);
    };
    const sendRandom = async () => {
      const count = proxies.obfs.flights.length;
      const socket = connectTcp({ host: '127.0.0.1', port: proxies.obfs.port });
      socket.on('error', () => {});
      socket.once('connect', () => socket.end(randomBytes(randomInt(100, 1_400))));
      await new Promise((resolve) => socket.once('close', resolve));
      await proxies.obfs.closed(count + 1);
    };
    const obfsSpec = listener.transports[0]?.spec as TransportSpec;
    const wssSpec = listener.transports[1]?.spec as TransportSpec;
    // Interleaved in a fresh random order each round, so load drifting during the capture, and what the
    // process is still doing after the previous connection, affect every class alike (in a fixed order the
    // class that follows a tunnel session's teardown gets its ServerHello measurably later).
    const captures = [
      () => session(proxies.plain, { name: 'plain' }),
      () => session(proxies.wss, wssSpec),
      visitCover,
      () => session(proxies.obfs, obfsSpec),
      sendRandom,
    ];
    for (let i = 0; i < PER_CLASS; i++) {
      const order = [...captures];
      for (let j = order.length - 1; j > 0; j--) {
        const k = randomInt(j + 1);
        [order[j], order[k]] = [order[k] as (typeof order)[number], order[j] as (typeof order)[number]];
      }
      for (const capture of order) await capture();
    }
    flights.plain = proxies.plain.flights;
    flights.wss = proxies.wss.flights;
    flights.cover = proxies.cover.flights;
    // The obfs proxy saw both obfs sessions and random senders: sessions got an answer, random bytes none.
    flights.obfs = proxies.obfs.flights.filter((f) => f.server1 > 0);
    flights.random = proxies.obfs.flights.filter((f) => f.server1 === 0);
  });

  after(async () => {
    for (const p of Object.values(proxies)) await p?.close();
    await listener?.close();
    await origin?.close();
    if (cert) removeCert(cert);
  });

  const learners = (a: FirstFlights[], b: FirstFlights[], features = flightFeatures) => {
    const samples: Sample[] = [
      ...a.map((f) => ({ features: features(f), label: 0 as const })),
      ...b.map((f) => ({ features: features(f), label: 1 as const })),
    ];
    const { train, test } = splitHalves(samples);
    return {
      logistic: logisticAccuracy(train, test),
      knn: knnAccuracy(train, test, 5),
      stump: ruleAccuracy(bestThresholdRule(train), test),
    };
  };

  it('captured every class', () => {
    for (const [name, list] of Object.entries(flights)) assert.equal(list.length, PER_CLASS, name);
  });

  it('tells plain from HTTPS and from random bytes (accuracy ≥ 0.9)', (t) => {
    const vsHttps = learners(flights.plain, flights.cover);
    const vsRandom = learners(flights.plain, flights.random);
    t.diagnostic(`plain vs HTTPS: ${JSON.stringify(vsHttps)}; plain vs random: ${JSON.stringify(vsRandom)}`);
    assert.ok(vsHttps.logistic >= 0.9, `plain vs HTTPS ${vsHttps.logistic}`);
    assert.ok(vsRandom.logistic >= 0.9, `plain vs random ${vsRandom.logistic}`);
  });

  it('cannot tell the wss transport from page visits to its cover site (logistic, 5-NN and a stump ≤ 0.65)', (t) => {
    const result = learners(flights.wss, flights.cover);
    t.diagnostic(`wss vs cover HTTPS: ${JSON.stringify(result)}`);
    assert.ok(result.logistic <= 0.65, `logistic regression tells them apart: ${result.logistic}`);
    assert.ok(result.knn <= 0.65, `5-NN tells them apart: ${result.knn}`);
    assert.ok(result.stump <= 0.65, `a threshold on one feature tells them apart: ${result.stump}`);
    const gap = (list: FirstFlights[]) => (list.reduce((a, f) => a + f.gapMs, 0) / list.length).toFixed(3);
    t.diagnostic(`mean ClientHello→ServerHello gap: wss ${gap(flights.wss)} ms, cover ${gap(flights.cover)} ms`);
  });

  it("cannot tell wss from a visit that watches the cover site's video by its first ten chunks (TLS-in-TLS, Xue et al. 2024; ≤ 0.65)", (t) => {
    // The TLS handshake, the first request and its answer (the upgrade with the nested Noise handshake; a
    // page GET and the page), the second request (the first stream's OPEN with the application's request;
    // the video's GET) and the first chunks of the bulk answer.
    const result = learners(flights.wss, flights.cover, sequenceFeatures);
    t.diagnostic(`wss vs cover HTTPS on the first ${SEQUENCE_LENGTH} chunks: ${JSON.stringify(result)}`);
    const mean = (list: FirstFlights[]) =>
      Array.from({ length: SEQUENCE_LENGTH }, (_, i) =>
        Math.round(list.reduce((a, f) => a + (f.sizes[i] ?? 0), 0) / list.length),
      );
    t.diagnostic(
      `mean chunk sizes: wss ${JSON.stringify(mean(flights.wss))}, cover ${JSON.stringify(mean(flights.cover))}`,
    );
    assert.ok(result.logistic <= 0.65, `logistic regression tells them apart: ${result.logistic}`);
    assert.ok(result.knn <= 0.65, `5-NN tells them apart: ${result.knn}`);
    assert.ok(result.stump <= 0.65, `a threshold on one feature tells them apart: ${result.stump}`);
  });

  it('obfs against random bytes (reported: its first packet is random, the server answers it)', (t) => {
    t.diagnostic(`obfs vs random: ${JSON.stringify(learners(flights.obfs, flights.random))}`);
  });

  it('the GFW popcount rule blocks obfs and random first packets, passes wss and HTTPS', (t) => {
    const rate = (list: FirstFlights[]) => list.filter((f) => gfwBlocks(f.client1)).length / list.length;
    const bits = (list: FirstFlights[]) => list.reduce((a, f) => a + bitsPerByte(f.client1), 0) / list.length;
    for (const [name, list] of Object.entries(flights)) {
      t.diagnostic(`${name}: ${bits(list).toFixed(2)} bits/byte, blocked ${(100 * rate(list)).toFixed(0)} %`);
    }
    assert.equal(rate(flights.wss), 0);
    assert.equal(rate(flights.cover), 0);
    assert.ok(rate(flights.obfs) >= 0.9, 'obfs alone is blockable by this rule (docs/transports.md)');
    assert.ok(rate(flights.random) >= 0.9);
  });
});
