/**
 * Prometheus text exposition (format 0.0.4) for the daemons' `GET /metrics`. Every name starts
 * with `bandex_`; counters end in `_total`. Token amounts are gauges in whole RBT (a float: wei
 * amounts do not fit a double exactly, RBT with 18 decimals keeps the precision that matters).
 */
import { formatUnits } from 'viem';
import type { Telemetry } from './telemetry.ts';

export type MetricSample = { labels?: Record<string, string>; value: number };
export type MetricFamily = { name: string; help: string; type: 'counter' | 'gauge'; samples: MetricSample[] };

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Wei to whole RBT as a number (for gauges). */
export function rbt(wei: bigint): number {
  return Number(formatUnits(wei, 18));
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

const NAME = /^bandex_[a-zA-Z0-9_]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Renders metric families; throws on a name that breaks the conventions (a programming error). */
export function renderMetrics(families: MetricFamily[]): string {
  const lines: string[] = [];
  const seen = new Set<string>();
  for (const family of families) {
    if (!NAME.test(family.name)) throw new Error(`metric ${family.name} must match ${NAME}`);
    if (family.type === 'counter' && !family.name.endsWith('_total'))
      throw new Error(`counter ${family.name} must end in _total`);
    if (seen.has(family.name)) throw new Error(`metric ${family.name} twice`);
    seen.add(family.name);
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`, `# TYPE ${family.name} ${family.type}`);
    for (const sample of family.samples) {
      const labels = Object.entries(sample.labels ?? {});
      for (const [key] of labels) if (!LABEL.test(key)) throw new Error(`label ${key} of ${family.name}`);
      const rendered = labels.length ? `{${labels.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}` : '';
      lines.push(`${family.name}${rendered} ${formatValue(sample.value)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

export const gauge = (name: string, help: string, value: number, labels?: Record<string, string>): MetricFamily => ({
  name,
  help,
  type: 'gauge',
  samples: [{ value, labels }],
});

export const counter = (name: string, help: string, value: number, labels?: Record<string, string>): MetricFamily => ({
  name,
  help,
  type: 'counter',
  samples: [{ value, labels }],
});

/** Errors by code, as every daemon counts them in its `Telemetry`. */
export function errorFamily(telemetry: Telemetry): MetricFamily {
  return {
    name: 'bandex_errors_total',
    help: 'Errors by code (sessions ended by an error, failed connections, refused payments).',
    type: 'counter',
    samples: [...telemetry.errors].map(([code, value]) => ({ labels: { code }, value })),
  };
}

/** Bytes each way (`help` says what up and down mean for the daemon). */
export function bytesFamily(up: number, down: number, help: string): MetricFamily {
  return {
    name: 'bandex_bytes_total',
    help,
    type: 'counter',
    samples: [
      { labels: { direction: 'up' }, value: up },
      { labels: { direction: 'down' }, value: down },
    ],
  };
}
