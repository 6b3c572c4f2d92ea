/**
 * Data-plane throughput: `node bench/tunnel.ts [--json] [--mib 256] [--runs 3]`.
 * Downloads N MiB with curl from a local Node HTTP origin directly, through the 1-hop
 * tunnel and through 3 hops (curl → SOCKS5 front → tunnel → exit → origin), median of
 * `--runs`. Origin and providers run in a child process, the client and its front in this
 * one, curl in its own — the same process split as ss-local / ss-server.
 */
import { type ChildProcess, execFile, fork } from 'node:child_process';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { connectClientSession } from '../src/tunnel/connectClientSession.ts';
import { createExitPolicy } from '../src/tunnel/exitPolicy.ts';
import { startSocksServer } from '../src/tunnel/startSocksServer.ts';
import { startTunnelListener } from '../src/tunnel/startTunnelListener.ts';
import { generateStaticKeyPair } from '../src/tunnel/x25519.ts';

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    mib: { type: 'string', default: '256' },
    runs: { type: 'string', default: '3' },
    serve: { type: 'boolean', default: false },
  },
});

type Ready = { origin: number; providers: { port: number; publicKey: string }[] };

/** Child: origin (streams N MiB from one 1 MiB buffer) and three providers. */
async function serve(): Promise<void> {
  const mib = Number(values.mib);
  const block = Buffer.alloc(1024 * 1024, 0x61);
  const origin = createServer((_req, res) => {
    res.writeHead(200, { 'content-length': mib * block.length });
    let left = mib;
    const pump = () => {
      while (left > 0) {
        left--;
        if (!res.write(block)) return void res.once('drain', pump);
      }
      res.end();
    };
    pump();
  });
  await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
  const providers = [];
  for (let i = 0; i < 3; i++) {
    const staticKeys = generateStaticKeyPair();
    const listener = await startTunnelListener({ staticKeys, policy: createExitPolicy({ devnet: true }) });
    providers.push({ port: listener.address.port, publicKey: staticKeys.publicKey.toString('hex') });
  }
  const ready: Ready = { origin: (origin.address() as { port: number }).port, providers };
  process.send?.(ready);
}

function curl(url: string, socksPort?: number): Promise<number> {
  const args = ['-s', '-o', '/dev/null', '-w', '%{speed_download}', url];
  if (socksPort) args.unshift('--socks5-hostname', `127.0.0.1:${socksPort}`);
  return new Promise((resolve, reject) =>
    execFile('curl', args, (error, stdout) => (error ? reject(error) : resolve(Number(stdout)))),
  );
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function main(): Promise<void> {
  const child: ChildProcess = fork(new URL(import.meta.url).pathname, ['--serve', '--mib', String(values.mib)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = await new Promise<Ready>((resolve) => child.once('message', (m) => resolve(m as Ready)));
  const url = `http://127.0.0.1:${ready.origin}/`;
  const hops = ready.providers.map((p) => ({
    host: '127.0.0.1',
    port: p.port,
    publicKey: Buffer.from(p.publicKey, 'hex'),
  }));
  const oneHop = await connectClientSession({ hops: hops.slice(0, 1) });
  const threeHop = await connectClientSession({ hops });
  const socks1 = await startSocksServer({ openStream: oneHop.openStream });
  const socks3 = await startSocksServer({ openStream: threeHop.openStream });
  const runs = Number(values.runs);
  const samples: Record<string, number[]> = { direct: [], bandex1hop: [], bandex3hop: [] };
  for (let i = 0; i < runs; i++) {
    samples.direct?.push(await curl(url));
    samples.bandex1hop?.push(await curl(url, socks1.address.port));
    samples.bandex3hop?.push(await curl(url, socks3.address.port));
  }
  const throughput = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)])) as Record<
    string,
    number
  >;
  const ratios = {
    bandex1hopVsDirect: (throughput.bandex1hop as number) / (throughput.direct as number),
    bandex3hopVsDirect: (throughput.bandex3hop as number) / (throughput.direct as number),
    bandex3hopVs1hop: (throughput.bandex3hop as number) / (throughput.bandex1hop as number),
  };
  if (values.json) {
    console.log(JSON.stringify({ mib: Number(values.mib), runs, unit: 'bytes/s', throughput, ratios }));
  } else {
    console.log(`download ${values.mib} MiB, median of ${runs} (curl, loopback)`);
    for (const [k, v] of Object.entries(throughput))
      console.log(`${k.padEnd(12)} ${(v / 1e6).toFixed(1).padStart(8)} MB/s`);
    for (const [k, v] of Object.entries(ratios)) console.log(`${k.padEnd(20)} ${v.toFixed(3)}`);
  }
  oneHop.close();
  threeHop.close();
  await socks1.close();
  await socks3.close();
  child.kill();
}

if (values.serve) await serve();
else await main();
