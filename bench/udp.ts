/**
 * UDP throughput (issue 19): datagrams per second and MB/s of an echo round trip on loopback, directly and
 * through a paid Bandex 1-hop path (a real `bandex devnet --json` process: embedded chain, provider, paying
 * client) via SOCKS5 UDP ASSOCIATE. The application keeps `--window` datagrams of `--size` bytes in flight
 * and counts the echoes for `--seconds`; a datagram not answered within 200 ms counts as lost and its slot
 * is reused (UDP drops; the tunnel drops beyond its queues). MB/s counts payload bytes one way.
 *
 *   node bench/udp.ts [--seconds 5] [--size 1200] [--window 64] [--runs 3] [--json]
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { once } from 'node:events';
import { connect } from 'node:net';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { encodeSocksUdpHeader } from '../src/tunnel/socksUdpHeader.ts';
import { median } from './support/system.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    size: { type: 'string', default: '1200' },
    window: { type: 'string', default: '64' },
    runs: { type: 'string', default: '3' },
    json: { type: 'boolean', default: false },
  },
});
const SECONDS = Number(values.seconds);
const SIZE = Number(values.size);
const WINDOW = Number(values.window);
const RUNS = Number(values.runs);
const LOSS_TIMEOUT_MS = 200;

type Result = { datagramsPerSecond: number; mbPerSecond: number; lost: number };

/** An echo server on its own socket: every datagram goes back to its sender. */
async function startEcho(): Promise<{ port: number; close(): void }> {
  const socket = createSocket({ type: 'udp4', recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 });
  socket.on('message', (message, from) => socket.send(message, from.port, from.address));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { port: socket.address().port, close: () => socket.close() };
}

/**
 * Keeps `WINDOW` datagrams in flight through `send`, for `SECONDS`; `socket` receives the echoes, whose
 * payload starts at `offset`.
 */
async function measure(socket: UdpSocket, send: (payload: Buffer) => void, offset: number): Promise<Result> {
  const payload = Buffer.alloc(SIZE, 0x5a);
  let echoed = 0;
  let lost = 0;
  let inFlight = 0;
  let lastEcho = performance.now();
  const fill = () => {
    while (inFlight < WINDOW) {
      send(payload);
      inFlight++;
    }
  };
  const onMessage = (message: Buffer) => {
    if (message.length - offset !== SIZE) return;
    echoed++;
    inFlight--;
    lastEcho = performance.now();
    fill();
  };
  socket.on('message', onMessage);
  const started = performance.now();
  fill();
  while (performance.now() - started < SECONDS * 1000) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    if (performance.now() - lastEcho > LOSS_TIMEOUT_MS && inFlight > 0) {
      lost += inFlight; // nothing came back for a while: what was in flight is gone
      inFlight = 0;
      lastEcho = performance.now();
      fill();
    }
  }
  const elapsed = (performance.now() - started) / 1000;
  socket.off('message', onMessage);
  await new Promise((resolve) => setTimeout(resolve, LOSS_TIMEOUT_MS)); // late echoes drain
  return {
    datagramsPerSecond: Math.round(echoed / elapsed),
    mbPerSecond: Math.round(((echoed * SIZE) / elapsed / 1e6) * 10) / 10,
    lost,
  };
}

async function direct(echoPort: number): Promise<Result> {
  const socket = createSocket({ type: 'udp4', recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  try {
    return await measure(socket, (p) => socket.send(p, echoPort, '127.0.0.1'), 0);
  } finally {
    socket.close();
  }
}

async function throughSocks(socksPort: number, echoPort: number): Promise<Result> {
  const control = connect({ host: '127.0.0.1', port: socksPort });
  await once(control, 'connect');
  control.write(Buffer.of(5, 1, 0, 5, 3, 0, 1, 0, 0, 0, 0, 0, 0));
  let head = Buffer.alloc(0);
  while (head.length < 12) head = Buffer.concat([head, ((await once(control, 'data')) as [Buffer])[0]]);
  const relayPort = head.readUInt16BE(10);
  const socket = createSocket({ type: 'udp4', recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const header = encodeSocksUdpHeader({ host: '127.0.0.1', port: echoPort });
  // The first datagram builds and pays the path; wait for its echo before measuring.
  socket.send([header, Buffer.from('hello')], relayPort, '127.0.0.1');
  await once(socket, 'message');
  try {
    return await measure(socket, (p) => socket.send([header, p], relayPort, '127.0.0.1'), header.length);
  } finally {
    socket.close();
    control.destroy();
  }
}

async function startDevnet(): Promise<{ child: ChildProcessWithoutNullStreams; info: Record<string, unknown> }> {
  const bin = join(import.meta.dirname, '..', 'bin', 'bandex.js');
  const child = spawn(process.execPath, [bin, 'devnet', '--json', '--auditors', '0', '--hops', '1'], {
    env: { ...process.env, LOG_LEVEL: 'warn' },
  });
  child.stderr.resume();
  let out = '';
  for await (const chunk of child.stdout) {
    out += chunk;
    if (out.includes('\n')) break;
  }
  return { child, info: JSON.parse(out.slice(0, out.indexOf('\n'))) };
}

const echo = await startEcho();
const devnet = await startDevnet();
const socksPort = Number(String(devnet.info.socks).split(':')[1]);
const samples: Record<'direct' | 'bandex1hop', Result[]> = { direct: [], bandex1hop: [] };
try {
  for (let run = 1; run <= RUNS; run++) {
    samples.direct.push(await direct(echo.port));
    samples.bandex1hop.push(await throughSocks(socksPort, echo.port));
    if (!values.json) {
      const [d, b] = [samples.direct.at(-1), samples.bandex1hop.at(-1)];
      console.log(
        `run ${run}/${RUNS}  direct ${d?.datagramsPerSecond} dgram/s ${d?.mbPerSecond} MB/s (lost ${d?.lost})` +
          `  bandex1hop ${b?.datagramsPerSecond} dgram/s ${b?.mbPerSecond} MB/s (lost ${b?.lost})`,
      );
    }
  }
} finally {
  echo.close();
  devnet.child.kill('SIGTERM');
}
const summary = (rs: Result[]) => ({
  datagramsPerSecond: median(rs.map((r) => r.datagramsPerSecond)),
  mbPerSecond: median(rs.map((r) => r.mbPerSecond)),
  lost: rs.reduce((a, r) => a + r.lost, 0),
});
const result = {
  size: SIZE,
  window: WINDOW,
  seconds: SECONDS,
  runs: RUNS,
  direct: summary(samples.direct),
  bandex1hop: summary(samples.bandex1hop),
  ratio:
    Math.round(
      (median(samples.bandex1hop.map((r) => r.mbPerSecond)) / median(samples.direct.map((r) => r.mbPerSecond))) * 1000,
    ) / 1000,
};
console.log(values.json ? JSON.stringify(result) : result);
