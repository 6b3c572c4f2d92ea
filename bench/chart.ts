/**
 * `node bench/chart.ts [results.json] [out.svg]`: draws the throughput and latency of each path from
 * `bench/results/latest.json` as an SVG bar chart (default `docs/performance.svg`).
 */
import { readFileSync, writeFileSync } from 'node:fs';

const input = process.argv[2] ?? new URL('./results/latest.json', import.meta.url).pathname;
const output = process.argv[3] ?? new URL('../docs/performance.svg', import.meta.url).pathname;
const result = JSON.parse(readFileSync(input, 'utf8')) as {
  mib: number;
  runs: number;
  date: string;
  throughput: Record<string, number>;
  latency: Record<string, { p50Ms: number; p99Ms: number }>;
  machine: { cores: number; cpu: string };
  ratios?: Record<string, number | undefined>;
  devnet?: { pathMs?: number; firstByteMs?: number; firstPaidByteMs?: number; sessions?: number };
};

const paths = Object.keys(result.throughput);
const colors: Record<string, string> = {
  direct: '#9e9e9e',
  shadowsocks: '#5c6bc0',
  bandex1hopNoAccounting: '#66bb6a',
  bandex1hop: '#2e7d32',
  bandex3hop: '#a5d6a7',
};
const labelWidth = 190;
const barMax = 250;
const rowHeight = 26;
const top = 56;
const panelWidth = labelWidth + barMax + 70;
const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

const panel = (x: number, title: string, values: Record<string, number>, format: (v: number) => string) => {
  const max = Math.max(...Object.values(values), 1e-9);
  const rows = paths.map((path, i) => {
    const value = values[path] ?? 0;
    const y = top + i * rowHeight;
    const w = Math.max(1, (value / max) * barMax);
    return [
      `<text x="${x + labelWidth - 8}" y="${y + 15}" text-anchor="end">${xml(path)}</text>`,
      `<rect x="${x + labelWidth}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowHeight - 8}" fill="${colors[path] ?? '#888'}"/>`,
      `<text x="${(x + labelWidth + w + 4).toFixed(1)}" y="${y + 15}">${xml(format(value))}</text>`,
    ].join('');
  });
  return `<text x="${x}" y="${top - 14}" font-weight="bold">${xml(title)}</text>${rows.join('')}`;
};

const throughputMBs = Object.fromEntries(paths.map((p) => [p, (result.throughput[p] ?? 0) / 1e6]));
const latencyP50 = Object.fromEntries(paths.map((p) => [p, result.latency[p]?.p50Ms ?? 0]));
const seconds = (ms?: number) => `${((ms ?? 0) / 1000).toFixed(2)} s`;
const r = result.ratios ?? {};
const d = result.devnet;
const notes = [
  `bandex1hop ÷ shadowsocks ${r.bandex1hopVsShadowsocks ?? '–'} (target ≥ 0.8), accounting overhead ${r.accountingOverhead ?? '–'}, p50 added vs shadowsocks ${r.latencyP50AddedVsShadowsocksMs ?? '–'} ms`,
  d?.firstPaidByteMs
    ? `devnet, new client session (median of ${d.sessions}): path built ${seconds(d.pathMs)}, first byte ${seconds(d.firstByteMs)}, first paid byte ${seconds(d.firstPaidByteMs)}`
    : '',
].filter(Boolean);
const height = top + paths.length * rowHeight + 40 + notes.length * 16;
const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${8 + 2 * panelWidth}" height="${height}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
<text x="8" y="20" font-size="14" font-weight="bold">Bandex data plane vs shadowsocks-libev, loopback (${result.machine.cores} cores, ${xml(result.machine.cpu)})</text>
${panel(8, `Throughput, MB/s (curl, ${result.mib} MiB from nginx, median of ${result.runs})`, throughputMBs, (v) => v.toFixed(0))}
${panel(8 + panelWidth, 'Latency p50, ms (1 KiB GET, new connection)', latencyP50, (v) => v.toFixed(2))}
${notes.map((n, i) => `<text x="8" y="${top + paths.length * rowHeight + 14 + i * 16}">${xml(n)}</text>`).join('\n')}
<text x="8" y="${height - 12}" fill="#666">${xml(result.date)} — bench/results/latest.json, drawn by bench/chart.ts</text>
</svg>
`;
writeFileSync(output, svg);
console.log(`wrote ${output}`);
