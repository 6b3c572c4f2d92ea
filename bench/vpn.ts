/**
 * The VPN path beside the proxy path (issue 19), in network namespaces (`test/support/vpnLab.ts`: client,
 * exit provider, origin, each its own namespace linked through the root one; a real chain, a paid 1-hop
 * path). TCP: `curl` of a `--mib` MiB file from the origin's nginx — directly (no Bandex), through the
 * client's SOCKS5 proxy, and through the VPN (plain curl). UDP: `iperf3 -u` at `--udp-mbit` offered, 1,200-byte
 * datagrams, for `--seconds` — directly and through the VPN (the proxy path's UDP, via SOCKS5 UDP
 * ASSOCIATE, is `npm run bench:udp`). Medians of `--runs`. Needs root, Linux and the lab's tools.
 *
 *   node bench/vpn.ts [--mib 64] [--runs 3] [--udp-mbit 200] [--seconds 5] [--json]
 */
import { parseArgs } from 'node:util';
import { probeNetnsSupport } from '../test/support/netns.ts';
import { startVpnLab, type VpnLab } from '../test/support/vpnLab.ts';
import { median } from './support/system.ts';

const { values } = parseArgs({
  options: {
    mib: { type: 'string', default: '64' },
    runs: { type: 'string', default: '3' },
    'udp-mbit': { type: 'string', default: '200' },
    seconds: { type: 'string', default: '5' },
    json: { type: 'boolean', default: false },
  },
});
const MIB = Number(values.mib);
const RUNS = Number(values.runs);
const UDP_MBIT = Number(values['udp-mbit']);
const SECONDS = Number(values.seconds);

const skip = probeNetnsSupport().skip;
if (skip) {
  console.error(`bench/vpn.ts: ${skip}`);
  process.exit(2);
}

type Udp = { mbitReceived: number; lostPercent: number };

async function tcp(lab: VpnLab, extra: string[]): Promise<number> {
  const out = await lab.must(
    lab.c,
    'curl',
    ['-sS', '--max-time', '300', '-o', '/dev/null', '-w', '%{speed_download}', ...extra, `http://${lab.o.ip}/big.bin`],
    320_000,
  );
  return Number(out) / 1e6;
}

async function udp(lab: VpnLab): Promise<Udp> {
  const args = ['-c', lab.o.ip, '-u', '-b', `${UDP_MBIT}M`, '-l', '1200', '-t', String(SECONDS), '-J'];
  const report = JSON.parse(await lab.must(lab.c, 'iperf3', args, 120_000)) as {
    end: { sum: { bytes: number; lost_percent: number; seconds: number } };
  };
  const { bytes, lost_percent, seconds } = report.end.sum;
  return { mbitReceived: (bytes * 8 * (1 - lost_percent / 100)) / seconds / 1e6, lostPercent: lost_percent };
}

async function runs<T>(measure: () => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < RUNS; i++) out.push(await measure());
  return out;
}

const lab = await startVpnLab({ bigBytes: MIB * 1024 * 1024 });
try {
  const directTcp = await runs(() => tcp(lab, []));
  const directUdp = await runs(() => udp(lab));
  const client = await lab.startClient();
  const proxyTcp = await runs(() => tcp(lab, ['--socks5-hostname', client.info.socks]));
  const vpnTcp = await runs(() => tcp(lab, []));
  const vpnUdp = await runs(() => udp(lab));
  await client.daemon.stop(20_000);
  const udpMedian = (xs: Udp[]) => ({
    mbitReceived: median(xs.map((x) => x.mbitReceived)),
    lostPercent: median(xs.map((x) => x.lostPercent)),
  });
  const result = {
    mib: MIB,
    runs: RUNS,
    udpOfferedMbit: UDP_MBIT,
    tcpMBps: { direct: median(directTcp), proxy: median(proxyTcp), vpn: median(vpnTcp) },
    udp: { direct: udpMedian(directUdp), vpn: udpMedian(vpnUdp) },
    vpnToProxyTcp: median(vpnTcp) / median(proxyTcp),
  };
  if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else {
    const f = (x: number) => x.toFixed(1);
    console.log(`TCP, curl of ${MIB} MiB (MB/s, median of ${RUNS}):`);
    console.log(
      `  direct ${f(result.tcpMBps.direct)}   SOCKS5 proxy ${f(result.tcpMBps.proxy)}   VPN ${f(result.tcpMBps.vpn)}`,
    );
    console.log(`  VPN / proxy ${result.vpnToProxyTcp.toFixed(2)}`);
    console.log(`UDP, iperf3 -u at ${UDP_MBIT} Mbit/s offered, 1200-byte datagrams (received Mbit/s, loss):`);
    for (const [name, u] of Object.entries(result.udp)) {
      console.log(`  ${name} ${f(u.mbitReceived)} Mbit/s, ${f(u.lostPercent)} % lost`);
    }
  }
} finally {
  await lab.stop();
}
process.exit(0);
