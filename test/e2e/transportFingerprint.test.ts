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
import { connect as connectTls } from 'node:tls';
import { WS_REQUEST_SIZE_MAX, WS_REQUEST_SIZE_MIN } from '../../src/transport/constants.ts';
import { removeCert, type SelfSignedCert, selfSignedCert } from '../../src/transport/selfSignedCert.ts';
import type { TransportSpec } from '../../src/transport/transportSpec.ts';
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
  sequenceFeatures,
} from '../support/trafficFeatures.ts';

const PER_CLASS = 120;
const SNI = 'notes.example';

/** A browser-like GET of the cover page, of a size drawn from the range a browser's GETs span (cookies vary). */
function browserGet(): string {
  const head = [
    'GET / HTTP/1.1',
    `Host: ${SNI}`,
    'User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
    'Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
    'Accept-Language: en-US,en;q=0.9',
    'Accept-Encoding: gzip, deflate, br',
    'Connection: close',
  ].join('\r\n');
  const target = randomInt(WS_REQUEST_SIZE_MIN, WS_REQUEST_SIZE_MAX + 1);
  const pad = Math.max(1, target - head.length - '\r\nCookie: _ga=\r\n\r\n'.length);
  return `${head}\r\nCookie: _ga=${randomBytes(pad).toString('base64url').slice(0, pad)}\r\n\r\n`;
}

describe('transport fingerprints: a learned classifier and the GFW rule', { timeout: 180_000 }, () => {
  const staticKeys = generateStaticKeyPair();
  let cert: SelfSignedCert;
  let listener: TunnelListener;
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
        },
      ],
    });
    const [obfs, wss] = listener.transports;
    proxies.plain = await startRecordingProxy(listener.address.port);
    proxies.obfs = await startRecordingProxy((obfs as { address: { port: number } }).address.port);
    proxies.wss = await startRecordingProxy((wss as { address: { port: number } }).address.port);
    // The cover: page visits to the same server (what a censor sees of everyone else who visits the site), so
    // what differs is only what a tunnel does, not which TLS server answers.
    proxies.cover = await startRecordingProxy((wss as { address: { port: number } }).address.port);

    const session = async (proxy: RecordingProxy, transport: TransportSpec) => {
      const count = proxy.flights.length;
      const s = await connectClientSession({
        hops: [{ host: '127.0.0.1', port: proxy.port, publicKey: staticKeys.publicKey, transport }],
      });
      await s.exit.ping(5_000);
      s.close();
      await proxy.closed(count + 1);
    };
    const visitCover = async () => {
      const count = proxies.cover.flights.length;
      const socket = connectTls({
        host: '127.0.0.1',
        port: proxies.cover.port,
        servername: SNI,
        ALPNProtocols: ['http/1.1'],
        rejectUnauthorized: false,
      });
      socket.on('error', () => {});
      socket.once('secureConnect', () => socket.write(browserGet()));
      socket.resume();
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

  it('reported, not hidden: the first round trips after the handshake (TLS-in-TLS, Xue et al. 2024) tell wss from a page visit', (t) => {
    // The nested Noise handshake and the 101 answer have sizes and a direction pattern a page visit lacks:
    // docs/transports.md says so; this measures it.
    t.diagnostic(
      `wss vs cover HTTPS on chunk sizes: ${JSON.stringify(learners(flights.wss, flights.cover, sequenceFeatures))}`,
    );
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
