/**
 * The daemons' local API router and its pieces, without a chain: the token rule (GET reads; every
 * other method needs the bearer token from the 0600 `api.token` file), loopback Host checks, 404/405,
 * the server-sent-events stream (snapshots, daemon events, detected changes), the dashboard files.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadOrCreateApiToken } from './apiToken.ts';
import { startApiServer } from './startApiServer.ts';
import { type DaemonApi, startDaemonApi } from './startDaemonApi.ts';
import { Telemetry } from './telemetry.ts';

/** A raw HTTP request (fetch does not let a test set the Host header). */
function send(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

type SseEvent = { event: string; data: unknown };

/** Reads server-sent events from `url` until `until` says stop; returns them. */
async function readEvents(
  url: string,
  until: (events: SseEvent[]) => boolean,
  timeoutMs = 10_000,
): Promise<SseEvent[]> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const response = await fetch(url, { signal: controller.signal });
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
  const events: SseEvent[] = [];
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let end = buffer.indexOf('\n\n');
      while (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event && data !== undefined) events.push({ event, data: JSON.parse(data) });
        end = buffer.indexOf('\n\n');
      }
      if (until(events)) break;
    }
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return events;
}

describe('API token file', () => {
  it('is created 0600 with 32 random bytes, reused, and tightened when restored loosely', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bandex-token-'));
    const file = join(dir, 'state', 'api.token');
    const token = loadOrCreateApiToken(file);
    assert.match(token, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(loadOrCreateApiToken(file), token);
    writeFileSync(file, `${token}\n`, { mode: 0o644 });
    assert.equal(loadOrCreateApiToken(file), token);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.notEqual(loadOrCreateApiToken(join(dir, 'other', 'api.token')), token);
  });
});

describe('API router', () => {
  let api: DaemonApi;
  let token: string;
  let counter = 0;
  const telemetry = new Telemetry();
  const dashboardDir = mkdtempSync(join(tmpdir(), 'bandex-dash-'));
  before(async () => {
    mkdirSync(join(dashboardDir, 'assets'));
    writeFileSync(join(dashboardDir, 'index.html'), '<!doctype html><title>test page</title>');
    writeFileSync(join(dashboardDir, 'assets', 'app-123.js'), 'console.log(1)');
    writeFileSync(join(dashboardDir, '..', 'secret.txt'), 'not served');
    const stateDir = mkdtempSync(join(tmpdir(), 'bandex-api-'));
    api = await startDaemonApi({
      role: 'client',
      address: '0x0000000000000000000000000000000000000001',
      stateDir,
      dashboardDir,
      telemetry,
      status: () => ({ counter, paidWei: BigInt(counter) * 10n ** 30n }),
      detect: (a, b) =>
        (b as { counter: number }).counter > (a as { counter: number }).counter
          ? [{ type: 'payment', data: { counter: (b as { counter: number }).counter } }]
          : [],
      metrics: () => [{ name: 'bandex_test_total', help: 'a test', type: 'counter', samples: [{ value: counter }] }],
      routes: {
        'POST /api/bump': () => {
          counter++;
          telemetry.publish('path-rebuilt', { counter });
          return { counter };
        },
      },
    });
    token = readFileSync(join(stateDir, 'api.token'), 'utf8').trim();
    assert.equal(api.tokenFile, join(stateDir, 'api.token'));
  });
  after(() => api?.close());

  it('GET /api/status answers JSON with bigints as decimal strings', async () => {
    const res = await send(`${api.url}/api/status`);
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /application\/json/);
    assert.deepEqual(JSON.parse(res.body), { counter: 0, paidWei: '0' });
  });

  it('GET /api/info names the role, the routes and the token rule', async () => {
    const info = JSON.parse((await send(`${api.url}/api/info`)).body);
    assert.equal(info.role, 'client');
    for (const route of ['/api/status', '/api/events', '/metrics', 'POST /api/bump'])
      assert.ok(info.routes.includes(route));
    assert.match(info.tokenRequiredFor, /other than GET/);
  });

  it('a state-changing route needs the bearer token: none or a wrong one is 401, the right one runs it', async () => {
    const none = await send(`${api.url}/api/bump`, { method: 'POST' });
    assert.equal(none.status, 401);
    assert.equal(JSON.parse(none.body).code, 'API_UNAUTHORIZED');
    assert.match(String(none.headers['www-authenticate']), /^Bearer/);
    const wrong = await send(`${api.url}/api/bump`, { method: 'POST', headers: { authorization: `Bearer ${token}x` } });
    assert.equal(wrong.status, 401);
    const basic = await send(`${api.url}/api/bump`, { method: 'POST', headers: { authorization: `Basic ${token}` } });
    assert.equal(basic.status, 401);
    assert.equal(counter, 0, 'nothing ran without the token');
    const ok = await send(`${api.url}/api/bump`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    assert.equal(ok.status, 200);
    assert.deepEqual(JSON.parse(ok.body), { counter: 1 });
  });

  it('other methods on read routes are 405, reads of action routes 405, unknown paths 404', async () => {
    const post = await send(`${api.url}/api/status`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    assert.equal(post.status, 405);
    assert.equal(post.headers.allow, 'GET');
    const get = await send(`${api.url}/api/bump`);
    assert.equal(get.status, 405);
    assert.equal((await send(`${api.url}/nope`)).status, 404);
  });

  it('answers only requests addressed to a loopback name (DNS rebinding)', async () => {
    const evil = await send(`${api.url}/api/status`, { headers: { host: 'evil.example:80' } });
    assert.equal(evil.status, 403);
    assert.equal(JSON.parse(evil.body).code, 'API_BAD_HOST');
    assert.equal((await send(`${api.url}/api/status`, { headers: { host: 'localhost:1' } })).status, 200);
  });

  it('a server without a token refuses every state change (fail closed)', async () => {
    const open = await startApiServer({ routes: { 'POST /x': () => ({ ran: true }) } });
    try {
      const res = await send(`${open.url}/x`, { method: 'POST', headers: { authorization: 'Bearer anything' } });
      assert.equal(res.status, 403);
      assert.equal(JSON.parse(res.body).code, 'API_NO_TOKEN');
    } finally {
      await open.close();
    }
  });

  it('a failing handler is a 500 with one line, and the server keeps serving', async () => {
    const failing = await startApiServer({
      routes: {
        '/boom': () => {
          throw Object.assign(new Error('it broke'), { code: 'TEST_BOOM' });
        },
        '/ok': () => 'ok',
      },
    });
    try {
      const res = await send(`${failing.url}/boom`);
      assert.equal(res.status, 500);
      assert.deepEqual(JSON.parse(res.body), { error: 'it broke', code: 'TEST_BOOM' });
      assert.equal((await send(`${failing.url}/ok`)).status, 200);
    } finally {
      await failing.close();
    }
  });

  it('serves the dashboard page and its assets, nothing outside the build folder', async () => {
    const page = await send(`${api.url}/`);
    assert.equal(page.status, 200);
    assert.match(String(page.headers['content-type']), /text\/html/);
    assert.match(page.body, /test page/);
    assert.match(String(page.headers['content-security-policy']), /default-src 'self'/);
    const asset = await send(`${api.url}/assets/app-123.js`);
    assert.equal(asset.status, 200);
    assert.match(String(asset.headers['content-type']), /javascript/);
    assert.equal((await send(`${api.url}/assets/missing.js`)).status, 404);
    assert.equal((await send(`${api.url}/assets/..%2F..%2Fsecret.txt`)).status, 404);
    assert.equal((await send(`${api.url}/assets/%2e%2e/%2e%2e/secret.txt`)).status, 404);
  });

  it('without a build, / says how to make one', async () => {
    const bare = await startDaemonApi({
      role: 'provider',
      status: () => ({}),
      dashboardDir: join(dashboardDir, 'none'),
    });
    try {
      const res = await send(`${bare.url}/`);
      assert.equal(res.status, 503);
      assert.match(res.body, /npm run build:dashboard/);
    } finally {
      await bare.close();
    }
  });

  it('GET /metrics answers Prometheus text', async () => {
    const res = await send(`${api.url}/metrics`);
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    assert.match(
      res.body,
      /^# HELP bandex_test_total a test\n# TYPE bandex_test_total counter\nbandex_test_total \d+\n$/,
    );
  });

  it('the event stream sends the status at once, then daemon events and detected changes', async () => {
    const stream = readEvents(`${api.url}/api/events`, (events) => events.some((e) => e.event === 'payment'));
    // Wait for the first snapshot before changing anything.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const ok = await send(`${api.url}/api/bump`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    assert.equal(ok.status, 200);
    const events = await stream;
    const first = events[0];
    assert.equal(first?.event, 'status');
    const rebuilt = events.find((e) => e.event === 'path-rebuilt');
    assert.ok(rebuilt, 'the published event arrives');
    assert.equal((rebuilt.data as { data: { counter: number } }).data.counter, counter);
    const payment = events.find((e) => e.event === 'payment') as SseEvent;
    assert.equal((payment.data as { data: { counter: number } }).data.counter, counter);
    const statuses = events.filter((e) => e.event === 'status').map((e) => (e.data as { counter: number }).counter);
    assert.equal(statuses.at(-1), counter, 'a fresh status follows the change');
  });

  it('counts errors by code for metrics', () => {
    const t = new Telemetry();
    t.countError('SESSION_UNPAID');
    t.countError(undefined);
    t.countError('bad code with spaces');
    assert.equal(t.errors.get('SESSION_UNPAID'), 1);
    assert.equal(t.errors.get('UNKNOWN'), 2);
  });
});
