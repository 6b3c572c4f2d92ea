/**
 * Issue 20, throttling as a block signal: the client reaches its provider over obfs through a censor's
 * middlebox. First the middlebox lets everything through and the origin itself is slow (200 KB/s), then the
 * application reads slowly (400 KB/s): the client stays on obfs — neither is throttling. Then the middlebox polices every obfs connection
 * to 200 KB/s after 1 MiB, in the middle of a large download: hop 1's provider reports its backlog, the
 * client finds obfs throttled, blocks it for that provider and moves to wss — same provider, same payment
 * channel — and the download (curl, resuming with a range request when its stream is cut) completes intact.
 * Everything carried is paid once: what the client promised equals its bytes × price within a tick per
 * session and one credit window, as in `transportSwitch.e2e.test.ts`.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_CREDIT_BYTES } from '../../src/accounting/constants.ts';
import { tickValueFor } from '../../src/accounting/price.ts';
import type { Devnet } from '../../src/devnet/startDevnet.ts';
import { removeCert, type SelfSignedCert, selfSignedCert } from '../../src/transport/selfSignedCert.ts';
import { freePort } from '../../src/tunnel/punchConnect.ts';
import { type SwitchingClientStatus, startDevnetBehindCensor } from '../support/censoredDevnet.ts';
import { getJson, pollFor } from '../support/devnet.ts';
import { type Endpoint, parseEndpoint, socksConnect } from '../support/socksConnect.ts';
import { startThrottlingProxy, type ThrottlingProxy } from '../support/throttlingProxy.ts';
import { httpBody, type Origin, startOrigin } from '../support/tunnelHarness.ts';

const SIZE = 24 * 1024 * 1024;
const GIB = 2n ** 30n;
/** The censor's rate, and what each connection carries at full speed once it starts policing. */
const THROTTLED_BYTES_PER_SECOND = 200_000;
const FREE_BYTES = 1024 * 1024;
/** The slow origin: as slow as the throttled link, long enough to fill several detection windows. */
const SLOW_ORIGIN_BYTES = 4 * 1024 * 1024;
const SLOW_ORIGIN_BYTES_PER_SECOND = 200_000;
/**
 * The slow application: it reads at 400 KB/s, below the threshold, a file larger than what the buffers
 * between it and the provider hold (the kernel's on loopback, the 4 MiB stream window), so that for most of
 * the transfer the provider waits for it.
 */
const SLOW_READER_FILE_BYTES = 12 * 1024 * 1024;
const SLOW_READER_BYTES_PER_SECOND = 400_000;

/** An origin that sends `size` random bytes at `bytesPerSecond`, whoever asks. */
async function startSlowOrigin(
  size: number,
  bytesPerSecond: number,
): Promise<{ port: number; body: Buffer; close(): Promise<void> }> {
  const body = randomBytes(size);
  const piece = 16 * 1024;
  const server: Server = createHttpServer((_req, res) => {
    res.writeHead(200, { 'content-length': body.length, 'content-type': 'application/octet-stream' });
    let at = 0;
    const timer = setInterval(
      () => {
        if (at >= body.length || res.destroyed) {
          clearInterval(timer);
          res.end();
          return;
        }
        res.write(body.subarray(at, at + piece));
        at += piece;
      },
      (piece * 1000) / bytesPerSecond,
    );
    res.once('close', () => clearInterval(timer));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    body,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** GETs `/` from 127.0.0.1:`port` through the SOCKS5 proxy, reading no faster than `bytesPerSecond`; the body. */
async function slowRead(proxy: Endpoint, port: number, bytesPerSecond: number): Promise<Buffer> {
  const socket = await socksConnect(proxy, { host: '127.0.0.1', port });
  socket.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`);
  const chunks: Buffer[] = [];
  let received = 0;
  const started = Date.now();
  await new Promise<void>((resolve, reject) => {
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
      // Ahead of its pace: stop reading until the pace catches up (TCP back-pressure, as a slow consumer).
      const aheadMs = (received * 1000) / bytesPerSecond - (Date.now() - started);
      if (aheadMs > 0) {
        socket.pause();
        setTimeout(() => socket.resume(), aheadMs);
      }
    });
    socket.once('end', resolve);
    socket.once('error', reject);
    socket.resume();
  });
  return httpBody(Buffer.concat(chunks));
}

function curl(args: string[]): Promise<void> {
  return new Promise<void>((resolve, reject) =>
    execFile('curl', ['-sS', '--fail', ...args], (error, _stdout, stderr) =>
      error ? reject(new Error(`curl: ${stderr}`)) : resolve(),
    ),
  );
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

describe('switching transports when one is throttled', { timeout: 300_000 }, () => {
  let dir: string;
  let cert: SelfSignedCert;
  let origin: Origin;
  let smallOrigin: Origin;
  let slowOrigin: Awaited<ReturnType<typeof startSlowOrigin>>;
  let proxy: ThrottlingProxy;
  let devnet: Devnet;
  let clientLog: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bandex-throttle-'));
    cert = selfSignedCert();
    origin = await startOrigin(SIZE);
    smallOrigin = await startOrigin(SLOW_READER_FILE_BYTES);
    slowOrigin = await startSlowOrigin(SLOW_ORIGIN_BYTES, SLOW_ORIGIN_BYTES_PER_SECOND);
    const obfsPort = await freePort();
    proxy = await startThrottlingProxy(obfsPort);
    devnet = await startDevnetBehindCensor({ stateDir: join(dir, 'devnet'), cert, obfsPort, censorPort: proxy.port });
    clientLog = join(dir, 'devnet', 'client', 'client.log');
  });
  after(async () => {
    await devnet?.stop();
    await proxy?.close();
    await origin?.close();
    await smallOrigin?.close();
    await slowOrigin?.close();
    if (cert) removeCert(cert);
    rmSync(dir, { recursive: true, force: true });
  });

  it('a slow origin over an unthrottled transport does not make the client switch', async () => {
    const api = `${devnet.info.client.api}/api/status`;
    const before = await getJson<SwitchingClientStatus>(api);
    assert.equal(before.path[0]?.transport, 'obfs');
    const file = join(dir, 'slow.bin');
    const started = Date.now();
    await curl([
      '--max-time',
      '120',
      '-o',
      file,
      '--socks5-hostname',
      devnet.info.socks,
      `http://127.0.0.1:${slowOrigin.port}/`,
    ]);
    const seconds = (Date.now() - started) / 1000;
    assert.equal(sha256(readFileSync(file)), sha256(slowOrigin.body));
    const after = await getJson<SwitchingClientStatus>(api);
    assert.equal(after.path[0]?.transport, 'obfs', 'still on obfs');
    assert.equal(after.sessionsTotal, before.sessionsTotal, 'the same path');
    assert.doesNotMatch(readFileSync(clientLog, 'utf8'), /throttled/);
    process.stdout.write(`# slow origin: ${SLOW_ORIGIN_BYTES} bytes in ${seconds.toFixed(1)} s over obfs, no switch\n`);
  });

  it('a slow application (reading at 400 KB/s) over an unthrottled transport does not make the client switch', async () => {
    const api = `${devnet.info.client.api}/api/status`;
    const before = await getJson<SwitchingClientStatus>(api);
    assert.equal(before.path[0]?.transport, 'obfs');
    const started = Date.now();
    const body = await slowRead(parseEndpoint(devnet.info.socks), smallOrigin.port, SLOW_READER_BYTES_PER_SECOND);
    const seconds = (Date.now() - started) / 1000;
    assert.equal(sha256(body), sha256(smallOrigin.body));
    const after = await getJson<SwitchingClientStatus>(api);
    assert.equal(after.path[0]?.transport, 'obfs', 'still on obfs');
    assert.equal(after.sessionsTotal, before.sessionsTotal, 'the same path');
    assert.doesNotMatch(readFileSync(clientLog, 'utf8'), /throttled/);
    process.stdout.write(
      `# slow reader: ${SLOW_READER_FILE_BYTES} bytes in ${seconds.toFixed(1)} s over obfs, no switch\n`,
    );
  });

  it('a download throttled mid-way moves to wss on the same channel, completes, and is paid once', async () => {
    const api = `${devnet.info.client.api}/api/status`;
    const before = await getJson<SwitchingClientStatus>(api);
    assert.equal(before.path[0]?.transport, 'obfs');
    const channelId = before.path[0]?.channelId;
    const file = join(dir, 'download.bin');
    proxy.throttle(THROTTLED_BYTES_PER_SECOND, FREE_BYTES);
    const throttledAt = Date.now();
    // The application retries and resumes (a range request from what it has) when its stream is cut.
    const download = curl([
      '--max-time',
      '240',
      '--retry',
      '5',
      '--retry-all-errors',
      '--retry-delay',
      '1',
      '-C',
      '-',
      '-o',
      file,
      '--socks5-hostname',
      devnet.info.socks,
      `http://127.0.0.1:${origin.port}/file.bin`,
    ]);
    const switched = await pollFor(
      'the client to reach its provider over wss',
      async () => {
        const status = await getJson<SwitchingClientStatus>(api);
        return status.path[0]?.transport === 'wss' ? status : undefined;
      },
      180_000,
    );
    const switchSeconds = (Date.now() - throttledAt) / 1000;
    assert.equal(switched.path[0]?.channelId, channelId, 'the same provider, on the same payment channel');
    await download;
    assert.equal(sha256(readFileSync(file)), sha256(origin.body), 'the file is intact');
    const log = readFileSync(clientLog, 'utf8');
    assert.match(log, /hop 1 transport throttled, switching/);
    const line = log.split('\n').find((l) => l.includes('hop 1 transport throttled')) as string;
    const measured = JSON.parse(line) as {
      sentBytesPerSecond: number;
      receivedBytesPerSecond: number;
      backloggedMs: number;
    };
    const after = await getJson<SwitchingClientStatus>(api);
    assert.equal(after.path[0]?.transport, 'wss');
    assert.ok(after.sessionsTotal >= before.sessionsTotal + 1);
    // Resumed, not downloaded twice; every byte carried paid for once (within a tick per session, plus
    // what the provider had sent into the throttled queue when the path closed, which the client never got:
    // the provider counted it served and the next session's opening voucher pays it, at most a credit window).
    const price = BigInt(after.path[0]?.priceWeiPerGiB ?? '0');
    const owed = (BigInt(after.bytesDown + after.bytesUp) * price) / GIB;
    const paid = BigInt(after.paidWei);
    const slack = tickValueFor(price) * BigInt(after.sessionsTotal + 1) + (BigInt(DEFAULT_CREDIT_BYTES) * price) / GIB;
    assert.ok(paid + slack >= owed && paid <= owed + slack, `paid ${paid}, owed ${owed}, slack ${slack}`);
    process.stdout.write(
      `# throttle: switched to wss ${switchSeconds.toFixed(1)} s after the censor started policing; ` +
        `measured ${Math.round(measured.sentBytesPerSecond)} B/s sent, ${Math.round(measured.receivedBytesPerSecond)} B/s received, ` +
        `backlogged ${measured.backloggedMs} ms; carried ${after.bytesDown - before.bytesDown} bytes for a ${SIZE}-byte file; ` +
        `paid − owed = ${paid - owed} wei\n`,
    );
  });
});
