/**
 * The dashboard in real Chromium (from npm, `test/support/browser.ts`, driven by playwright-core): the devnet's
 * network dashboard lists every provider by address, its earnings grow while traffic flows through
 * the devnet's SOCKS port to a local origin, the provider's and the client's own dashboards render
 * their views, and screenshots are saved under test-artifacts/ (git-ignored).
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Browser, Page } from 'playwright-core';
import type { DevnetInfo } from '../../src/devnet/startDevnet.ts';
import { launchChromium } from '../support/browser.ts';
import { ROOT, startCli } from '../support/cli.ts';
import { startOrigin } from '../support/tunnelHarness.ts';

/** What the functions run inside the page use of the DOM (the root tsconfig has no DOM library). */
declare const document: {
  querySelectorAll(selector: string): { length: number };
  querySelector(selector: string): { getAttribute(name: string): string | null } | null;
};

const ARTIFACTS = join(ROOT, 'test-artifacts');

function dashboardBuildIsStale(): boolean {
  const built = join(ROOT, 'dashboard/dist/index.html');
  if (!existsSync(built)) return true;
  const builtAt = statSync(built).mtimeMs;
  const sources = [
    'dashboard/index.html',
    'dashboard/vite.config.ts',
    ...readdirSync(join(ROOT, 'dashboard/src')).map((f) => `dashboard/src/${f}`),
  ];
  return sources.some((file) => statSync(join(ROOT, file)).mtimeMs > builtAt);
}

function curl(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('curl', ['-sS', '--fail', '--max-time', '60', '-o', '/dev/null', ...args], (error, _out, stderr) =>
      error ? reject(new Error(`curl failed: ${stderr}`)) : resolve(),
    );
  });
}

/** The wei the page shows in `selector`'s data-wei (undefined before the first status). */
async function weiShown(page: Page, selector: string): Promise<bigint | undefined> {
  const wei = await page.getAttribute(selector, 'data-wei');
  return wei === null ? undefined : BigInt(wei);
}

describe('dashboard in Chromium', { timeout: 240_000 }, () => {
  let devnet: Awaited<ReturnType<typeof startCli>>;
  let info: DevnetInfo;
  let origin: Awaited<ReturnType<typeof startOrigin>>;
  let browser: Browser;
  before(async () => {
    // The page the daemons serve is the Vite build (`pretest` makes it): rebuild only when missing or older
    // than its sources, so a concurrent test never sees the folder emptied.
    if (dashboardBuildIsStale()) {
      execFileSync(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', 'dashboard'], {
        cwd: ROOT,
        stdio: 'pipe',
      });
    }
    mkdirSync(ARTIFACTS, { recursive: true });
    origin = await startOrigin(8 * 1024 * 1024);
    devnet = await startCli(['devnet', '--json'], 120_000);
    info = JSON.parse(devnet.firstLine) as DevnetInfo;
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    if (devnet) {
      const exited = new Promise((resolve) => devnet.child.once('exit', resolve));
      devnet.child.kill('SIGTERM');
      await exited;
    }
    await origin?.close();
  });

  it('the devnet JSON line names the dashboard', () => {
    assert.match(info.dashboard, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  });

  it('the network dashboard lists every provider by address; earnings grow while traffic flows', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    await page.goto(info.dashboard);
    await page.waitForFunction(
      (n) => document.querySelectorAll('[data-testid=provider-row]').length === n,
      info.providers.length,
      { timeout: 30_000 },
    );
    assert.equal(await page.getAttribute('body', 'data-role'), 'devnet');
    const listed = await page.$$eval('[data-testid=provider-row]', (rows) =>
      rows.map((row) => row.getAttribute('data-address')),
    );
    const text = (await page.textContent('[data-testid=providers]')) ?? '';
    for (const p of info.providers) {
      assert.ok(listed.includes(p.address), `${p.address} has a row`);
      assert.ok(text.includes(p.address), `${p.address} is shown in full`);
    }
    // The network view lists them too, from the registry on chain.
    await page.waitForFunction(
      (n) => document.querySelectorAll('[data-testid=network-providers] tbody tr').length === n,
      info.providers.length,
      { timeout: 30_000 },
    );
    await page.waitForSelector('[data-testid=total-earned][data-wei]', { timeout: 30_000 });
    const before = (await weiShown(page, '[data-testid=total-earned]')) as bigint;

    // Traffic through the devnet's SOCKS port to a local origin; the page updates from the event stream.
    const url = `http://127.0.0.1:${origin.port}/file.bin`;
    await curl(['--socks5-hostname', info.socks, url]);
    await page.waitForFunction(
      (start) =>
        BigInt(document.querySelector('[data-testid=total-earned]')?.getAttribute('data-wei') ?? '0') > BigInt(start),
      before.toString(),
      { timeout: 60_000 },
    );
    const middle = (await weiShown(page, '[data-testid=total-earned]')) as bigint;
    assert.ok(middle > before, `earnings grew: ${before} → ${middle}`);
    await curl(['--socks5-hostname', info.socks, url]);
    await page.waitForFunction(
      (start) =>
        BigInt(document.querySelector('[data-testid=total-earned]')?.getAttribute('data-wei') ?? '0') > BigInt(start),
      middle.toString(),
      { timeout: 60_000 },
    );
    const after = (await weiShown(page, '[data-testid=total-earned]')) as bigint;
    assert.ok(after > middle, `earnings grew again: ${middle} → ${after}`);
    // The earning provider's own row shows it, and the chart has drawn lines.
    const earnedCells = await page.$$eval('[data-testid=provider-row] [data-testid=earned]', (cells) =>
      cells.map((c) => BigInt(c.getAttribute('data-wei') ?? '0')),
    );
    assert.equal(
      earnedCells.reduce((a, b) => a + b, 0n),
      after,
    );
    assert.ok((await page.$$('[data-testid=earnings-chart] path')).length >= info.providers.length);
    await page.waitForSelector('[data-testid=events] li', { timeout: 30_000 });
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png'), fullPage: true });
    assert.deepEqual(problems, [], 'no errors in the page');
    await page.close();
  });

  it("the provider's own dashboard shows earnings, channels with redeemable value, stake, reputation", async () => {
    const status = (await (await fetch(`${info.client.api}/api/status`)).json()) as { path: { provider: string }[] };
    const provider = info.providers.find((p) => p.address === status.path[0]?.provider);
    assert.ok(provider);
    const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
    await page.goto(`${provider.api}/`);
    await page.waitForSelector('[data-testid=earned][data-wei]', { timeout: 30_000 });
    assert.equal(await page.getAttribute('body', 'data-role'), 'provider');
    assert.ok(((await weiShown(page, '[data-testid=earned]')) as bigint) > 0n);
    await page.waitForSelector('[data-testid=channels] [data-testid=redeemable]', { timeout: 30_000 });
    assert.match((await page.textContent('[data-testid=stake]')) ?? '', /RBT/);
    assert.match((await page.textContent('[data-testid=reputation]')) ?? '', /^0/);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-provider.png'), fullPage: true });
    await page.close();
  });

  it("the client's own dashboard shows its path, spend and the providers with score, price and region", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
    await page.goto(`${info.client.api}/`);
    await page.waitForSelector('[data-testid=spent][data-wei]', { timeout: 30_000 });
    assert.equal(await page.getAttribute('body', 'data-role'), 'client');
    assert.ok(((await weiShown(page, '[data-testid=spent]')) as bigint) > 0n);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=path] tbody tr').length === 1, null, {
      timeout: 30_000,
    });
    await page.waitForFunction(
      (n) => document.querySelectorAll('[data-testid=offers] tbody tr').length === n,
      info.providers.length,
      { timeout: 30_000 },
    );
    assert.match((await page.textContent('[data-testid=offers]')) ?? '', /DE/);
    // The score column: each provider's reputation as the client uses it, from the client's own API (the
    // page refreshes it every 5 s and an audit report may land in between: compare a few times).
    const headers = await page.$$eval('[data-testid=offers] thead th', (ths) => ths.map((th) => th.textContent));
    const scoreColumn = headers.indexOf('score');
    assert.ok(scoreColumn > 0, `a score column (${headers.join(', ')})`);
    let mismatch = '';
    for (let attempt = 0; attempt < 3; attempt++) {
      const shown = await page.$$eval(
        '[data-testid=offers] tbody tr',
        (rows, i) => rows.map((row) => [row.children[0]?.textContent, Number(row.children[i]?.textContent)] as const),
        scoreColumn,
      );
      const api = (await (await fetch(`${info.client.api}/api/providers`)).json()) as {
        provider: string;
        reputation: number;
      }[];
      mismatch = shown
        .filter(
          ([provider, score]) => api.find((o) => o.provider === provider)?.reputation.toFixed(2) !== score.toFixed(2),
        )
        .map(([provider, score]) => `${provider}: ${score}`)
        .join(', ');
      if (!mismatch) break;
      await sleep(5_500);
    }
    assert.equal(mismatch, '', 'the scores shown are the API reputations');
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-client.png'), fullPage: true });
    await page.close();
  });
});
