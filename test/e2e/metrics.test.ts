/**
 * `/metrics` parses as Prometheus text (a strict parser below: HELP/TYPE before samples, names and
 * labels by the grammar, every value a float, no duplicate series, counters `_total`) and carries the
 * series the issue names: bytes by direction, sessions (gauge and total), earnings or spend, payment
 * lag, credit pauses, reputation, errors by code. Checked on the renderer and on a real devnet's
 * provider and client, before and after a paid download.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { renderMetrics } from '../../src/api/metrics.ts';
import type { DevnetInfo } from '../../src/devnet/startDevnet.ts';
import { ROOT, startCli } from '../support/cli.ts';
import { startOrigin } from '../support/tunnelHarness.ts';

type Sample = { name: string; labels: Record<string, string>; value: number };
type Family = { name: string; type: string; help: string; samples: Sample[] };

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

function parseValue(text: string, line: number): number {
  if (text === 'NaN') return Number.NaN;
  if (text === '+Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`line ${line}: bad value ${text}`);
  return Number(text);
}

function parseLabels(text: string, line: number): Record<string, string> {
  const labels: Record<string, string> = {};
  let i = 0;
  while (i < text.length) {
    const eq = text.indexOf('=', i);
    if (eq < 0) throw new Error(`line ${line}: label without =`);
    const name = text.slice(i, eq);
    if (!LABEL_NAME.test(name)) throw new Error(`line ${line}: bad label name ${name}`);
    if (name in labels) throw new Error(`line ${line}: label ${name} twice`);
    if (text[eq + 1] !== '"') throw new Error(`line ${line}: label value not quoted`);
    let j = eq + 2;
    let value = '';
    for (;;) {
      const c = text[j];
      if (c === undefined) throw new Error(`line ${line}: unterminated label value`);
      if (c === '"') break;
      if (c === '\\') {
        const next = text[j + 1];
        if (next === 'n') value += '\n';
        else if (next === '\\' || next === '"') value += next;
        else throw new Error(`line ${line}: bad escape \\${next}`);
        j += 2;
      } else {
        value += c;
        j++;
      }
    }
    labels[name] = value;
    i = j + 1;
    if (text[i] === ',') i++;
    else if (i < text.length) throw new Error(`line ${line}: expected , between labels`);
  }
  return labels;
}

/** A strict parser for the Prometheus text format 0.0.4. Throws on anything malformed. */
function parsePrometheus(text: string): Map<string, Family> {
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a newline');
  const families = new Map<string, Family>();
  const series = new Set<string>();
  let current: Family | undefined;
  const lines = text.slice(0, -1).split('\n');
  for (const [index, raw] of lines.entries()) {
    const line = index + 1;
    if (raw.trim() === '') continue;
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(raw);
    if (meta) {
      const [, kind, name, rest] = meta as unknown as [string, string, string, string];
      if (!METRIC_NAME.test(name)) throw new Error(`line ${line}: bad metric name ${name}`);
      let family = families.get(name);
      if (!family) {
        if (current && current.samples.length === 0 && current.name !== name && current.type === '')
          throw new Error(`line ${line}: ${current.name} has HELP but no TYPE`);
        family = { name, type: '', help: '', samples: [] };
        families.set(name, family);
      } else if (family !== current) throw new Error(`line ${line}: ${name} is split`);
      if (kind === 'TYPE') {
        if (family.type) throw new Error(`line ${line}: TYPE of ${name} twice`);
        if (family.samples.length) throw new Error(`line ${line}: TYPE of ${name} after its samples`);
        if (!TYPES.has(rest)) throw new Error(`line ${line}: bad type ${rest}`);
        family.type = rest;
      } else {
        if (family.help) throw new Error(`line ${line}: HELP of ${name} twice`);
        family.help = rest;
      }
      current = family;
      continue;
    }
    if (raw.startsWith('#')) continue; // a comment
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)( -?\d+)?$/.exec(raw);
    if (!sample) throw new Error(`line ${line}: not a sample: ${raw}`);
    const [, name, , labelText, valueText] = sample as unknown as [string, string, string, string | undefined, string];
    const family = families.get(name);
    if (!family || family !== current)
      throw new Error(`line ${line}: sample ${name} without its HELP/TYPE just before`);
    if (!family.type) throw new Error(`line ${line}: sample ${name} before its TYPE`);
    const labels = parseLabels(labelText ?? '', line);
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (series.has(key)) throw new Error(`line ${line}: series ${key} twice`);
    series.add(key);
    family.samples.push({ name, labels, value: parseValue(valueText, line) });
  }
  for (const family of families.values()) if (!family.type) throw new Error(`${family.name} has no TYPE`);
  return families;
}

/** The series the issue names, and the checks each must pass. */
function assertBandexSeries(families: Map<string, Family>, role: 'provider' | 'client'): void {
  for (const family of families.values()) {
    assert.match(family.name, /^bandex_/, 'every name is prefixed bandex_');
    assert.ok(family.help.length > 0, `${family.name} has help`);
    if (family.type === 'counter') assert.match(family.name, /_total$/);
  }
  const one = (name: string, type: string) => {
    const family = families.get(name);
    assert.ok(family, `${name} exists`);
    assert.equal(family.type, type, `${name} is a ${type}`);
    assert.ok(family.samples.length >= 1, `${name} has a sample`);
    return family;
  };
  const bytes = one('bandex_bytes_total', 'counter');
  assert.deepEqual(bytes.samples.map((s) => s.labels.direction).sort(), ['down', 'up']);
  one('bandex_sessions', 'gauge');
  one('bandex_sessions_total', 'counter');
  one(role === 'provider' ? 'bandex_earned_rbt' : 'bandex_spent_rbt', 'gauge');
  if (role === 'provider') {
    one('bandex_redeemed_rbt', 'gauge');
    one('bandex_redeemable_rbt', 'gauge');
    one('bandex_stake_rbt', 'gauge');
  }
  one('bandex_payment_lag_bytes', 'gauge');
  one('bandex_credit_pauses_total', 'counter');
  const reputation = one('bandex_reputation', 'gauge');
  for (const s of reputation.samples) assert.ok(s.value >= 0 && s.value <= 1, `reputation ${s.value} is in [0, 1]`);
  if (role === 'client') {
    // One series per known provider, labelled by address.
    for (const s of reputation.samples) assert.match(s.labels.provider ?? '', /^0x[0-9a-f]{40}$/);
    one('bandex_failovers_total', 'counter');
  }
  const errors = one('bandex_errors_total', 'counter');
  for (const s of errors.samples) assert.ok(s.labels.code, 'errors are labelled by code');
  assert.equal(one('bandex_info', 'gauge').samples[0]?.labels.role, role);
}

const value = (families: Map<string, Family>, name: string, labels: Record<string, string> = {}) =>
  families.get(name)?.samples.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value ?? NaN;

describe('Prometheus text', () => {
  it('the renderer escapes label values and help, and the strict parser reads it back', () => {
    const text = renderMetrics([
      {
        name: 'bandex_test_total',
        help: 'a\\b\nc',
        type: 'counter',
        samples: [
          { labels: { code: 'a"b\\c\nd' }, value: 3 },
          { labels: { code: 'plain' }, value: 1.5e21 },
        ],
      },
      { name: 'bandex_gauge', help: 'g', type: 'gauge', samples: [{ value: Number.NaN }] },
    ]);
    const families = parsePrometheus(text);
    assert.equal(families.get('bandex_test_total')?.samples[0]?.labels.code, 'a"b\\c\nd');
    assert.equal(value(families, 'bandex_test_total', { code: 'plain' }), 1.5e21);
    assert.ok(Number.isNaN(value(families, 'bandex_gauge')));
  });

  it('the renderer refuses names that break the conventions', () => {
    assert.throws(() => renderMetrics([{ name: 'other_x', help: 'h', type: 'gauge', samples: [] }]), /bandex_/);
    assert.throws(() => renderMetrics([{ name: 'bandex_x', help: 'h', type: 'counter', samples: [] }]), /_total/);
  });

  it('the parser rejects malformed text', () => {
    assert.throws(() => parsePrometheus('bandex_x 1\n'), /without its HELP\/TYPE/);
    assert.throws(() => parsePrometheus('# TYPE bandex_x gauge\nbandex_x one\n'), /bad value/);
    assert.throws(() => parsePrometheus('# TYPE bandex_x gauge\nbandex_x{a="1} 1\n'), /unterminated|not a sample/);
    assert.throws(() => parsePrometheus('# TYPE bandex_x gauge\nbandex_x 1\nbandex_x 2\n'), /twice/);
    assert.throws(() => parsePrometheus('# TYPE bandex_x gauge\nbandex_x 1'), /newline/);
  });
});

async function getMetrics(api: string): Promise<Map<string, Family>> {
  const response = await fetch(`${api}/metrics`);
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return parsePrometheus(await response.text());
}

function curl(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('curl', ['-sS', '--fail', '--max-time', '60', '-o', '/dev/null', ...args], (error, _out, stderr) =>
      error ? reject(new Error(`curl failed: ${stderr}`)) : resolve(),
    );
  });
}

describe('/metrics on the devnet', { timeout: 180_000 }, () => {
  let devnet: Awaited<ReturnType<typeof startCli>>;
  let info: DevnetInfo;
  let origin: Awaited<ReturnType<typeof startOrigin>>;
  before(async () => {
    origin = await startOrigin(4 * 1024 * 1024);
    devnet = await startCli(['devnet', '--json', '--auditors', '0'], 120_000);
    info = JSON.parse(devnet.firstLine) as DevnetInfo;
  });
  after(async () => {
    if (devnet) {
      const exited = new Promise((resolve) => devnet.child.once('exit', resolve));
      devnet.child.kill('SIGTERM');
      await exited;
    }
    await origin?.close();
  });

  it('provider and client expose every named series, and a paid download moves them', async () => {
    for (const p of info.providers) assertBandexSeries(await getMetrics(p.api), 'provider');
    assertBandexSeries(await getMetrics(info.client.api), 'client');

    const status = (await (await fetch(`${info.client.api}/api/status`)).json()) as { path: { provider: string }[] };
    const hop = info.providers.find((p) => p.address === status.path[0]?.provider);
    assert.ok(hop, 'the client has a path');
    await curl(['--socks5-hostname', info.socks, `http://127.0.0.1:${origin.port}/file.bin`]);

    // Payments trail delivery by a round trip and claims become durable within a second: poll.
    const deadline = Date.now() + 30_000;
    let provider = await getMetrics(hop.api);
    while (value(provider, 'bandex_earned_rbt') === 0 && Date.now() < deadline) {
      await sleep(500);
      provider = await getMetrics(hop.api);
    }
    assertBandexSeries(provider, 'provider');
    assert.ok(value(provider, 'bandex_bytes_total', { direction: 'down' }) >= 4 * 1024 * 1024);
    assert.ok(value(provider, 'bandex_earned_rbt') > 0, 'earnings moved');
    assert.equal(value(provider, 'bandex_sessions'), 1);
    assert.ok(value(provider, 'bandex_sessions_total') >= 1);
    assert.ok(value(provider, 'bandex_stake_rbt') > 0);
    const client = await getMetrics(info.client.api);
    assert.ok(value(client, 'bandex_bytes_total', { direction: 'down' }) >= 4 * 1024 * 1024);
    assert.ok(value(client, 'bandex_spent_rbt') > 0, 'spend moved');
    assert.equal(value(client, 'bandex_path_hops'), 1);
    assert.ok(value(client, 'bandex_hop_spent_rbt', { provider: hop.address }) > 0);
  });

  it('every route the provider, the client and the devnet dashboard serve is in docs/api/openapi.yaml', async () => {
    const spec = readFileSync(join(ROOT, 'docs/api/openapi.yaml'), 'utf8');
    const documented = new Map<string, string[]>();
    let path: string | undefined;
    for (const line of spec.split('\n')) {
      const p = /^ {2}(\/\S*):$/.exec(line);
      if (p) {
        path = p[1] as string;
        documented.set(path, []);
        continue;
      }
      if (/^\S/.test(line)) path = undefined;
      const m = /^ {4}(get|post|put|delete):/.exec(line);
      if (path && m) documented.get(path)?.push((m[1] as string).toUpperCase());
    }
    for (const api of [info.providers[0]?.api, info.client.api, info.dashboard.replace(/\/$/, '')]) {
      const { routes, role } = (await (await fetch(`${api}/api/info`)).json()) as { routes: string[]; role: string };
      for (const route of routes) {
        const [method, raw] = route.includes(' ') ? (route.split(' ') as [string, string]) : ['GET', route];
        if (raw === '/index.html') continue;
        const key = raw === '/assets/*' ? '/assets/{file}' : raw;
        assert.ok(documented.get(key)?.includes(method), `${role}: ${method} ${raw} is documented`);
      }
    }
  });
});
