/**
 * Issue 6 end to end on a real `bandex devnet` (embedded chain, three honest providers, three
 * staked auditors, a paying client): one provider per fault mode — `blackhole`, `throttle`,
 * `overclaim` — each cheaper than every honest one, so the client picks them until the audits catch
 * them. Within 4 minutes each faulty provider's reputation (as the client computes it from the
 * gossiped reports) falls below the selection threshold, the client's path no longer uses it, and
 * its stake drops on chain; the honest providers keep their stake and a reputation above the
 * threshold throughout. The times are printed as test diagnostics.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Address, createPublicClient, http } from 'viem';
import { providerRegistryAbi } from '../../src/chain/abi/providerRegistry.ts';
import { SELECTION_THRESHOLD } from '../../src/reputation/reputation.ts';
import { curlSha256, type DevnetProcess, getJson, startDevnetCli } from '../support/devnet.ts';
import { startOrigin } from '../support/tunnelHarness.ts';

/** A slash lands after the auditors' stake weighs (two epochs), the finding (underperformance: two epochs),
 * and a one-epoch dispute window: up to eight 20 s epochs, plus a loaded machine's delays. */
const WINDOW_MS = 240_000;
const SIZE = 256 * 1024;

type Offer = { provider: Address; reputation: number };
type ClientStatus = { path: { provider: Address }[]; failovers: number };

describe('audits on the devnet catch every fault mode within 4 minutes', { timeout: 420_000 }, () => {
  let devnet: DevnetProcess;
  let origin: Awaited<ReturnType<typeof startOrigin>>;
  before(async () => {
    origin = await startOrigin(SIZE);
    // Honest providers claim what two busy cores carry while three auditors measure them (16 MB/s was more than
    // this machine delivered under CI's load: an honest provider was slashed for underperformance).
    devnet = await startDevnetCli([
      ...['--faulty', 'blackhole', '--faulty', 'throttle', '--faulty', 'overclaim'],
      ...['--capacity', '4000000'],
    ]);
  });
  after(async () => {
    await devnet?.stop();
    await origin?.close();
  });

  it('faulty: reputation below the threshold, avoided by the client, stake slashed; honest: untouched', async (t) => {
    const { info } = devnet;
    const chain = createPublicClient({ transport: http(info.rpc) });
    const stakeOf = (provider: Address) =>
      chain.readContract({
        address: info.contracts.registry,
        abi: providerRegistryAbi,
        functionName: 'stakeOf',
        args: [provider],
      });
    const faulty = info.providers.filter((p) => p.faulty);
    const honest = info.providers.filter((p) => !p.faulty);
    assert.deepEqual(faulty.map((p) => p.faulty).sort(), ['blackhole', 'overclaim', 'throttle']);
    assert.equal(honest.length, 3);
    assert.equal(info.auditors.length, 3);
    for (const a of info.auditors) assert.match(a.api, /^http:\/\/127\.0\.0\.1:\d+$/);
    const initialStake = new Map<Address, bigint>();
    for (const p of info.providers) initialStake.set(p.address, await stakeOf(p.address));

    const url = `http://127.0.0.1:${origin.port}/bytes`;
    const sha = createHash('sha256').update(origin.body).digest('hex');
    const start = Date.now();
    const belowAt = new Map<Address, number>();
    const slashedAt = new Map<Address, number>();
    const lowestHonest = new Map<Address, number>(honest.map((p) => [p.address, 1]));
    const latest = new Map<string, number>();
    /** Paths the client used after a faulty provider was below the threshold (must not include it). */
    const violations: string[] = [];
    let downloads = 0;
    let failedDownloads = 0;
    while (Date.now() - start < WINDOW_MS && (belowAt.size < faulty.length || slashedAt.size < faulty.length)) {
      // The client keeps working: a small download through SOCKS5 (it may hit a faulty provider).
      await curlSha256(['--max-time', '10', '--socks5-hostname', info.socks, url], SIZE).then(
        (got) => {
          downloads++;
          assert.equal(got, sha);
        },
        () => {
          failedDownloads++;
        },
      );
      const now = Date.now() - start;
      const offers = await getJson<Offer[]>(`${info.client.api}/api/providers`);
      const reputation = new Map(offers.map((o) => [o.provider.toLowerCase(), o.reputation]));
      for (const [provider, r] of reputation) latest.set(provider, r);
      const status = await getJson<ClientStatus>(`${info.client.api}/api/status`);
      for (const p of faulty) {
        const r = reputation.get(p.address.toLowerCase());
        if (r !== undefined && r < SELECTION_THRESHOLD && !belowAt.has(p.address)) belowAt.set(p.address, now);
        if (!slashedAt.has(p.address) && (await stakeOf(p.address)) < (initialStake.get(p.address) as bigint))
          slashedAt.set(p.address, now);
        // Ten seconds after its reputation fell, the client's path must have moved away from it.
        const fellAt = belowAt.get(p.address);
        if (fellAt !== undefined && now > fellAt + 10_000 && status.path.some((h) => h.provider === p.address))
          violations.push(`${p.faulty} still in the path at ${now} ms`);
      }
      for (const p of honest) {
        const r = reputation.get(p.address.toLowerCase());
        if (r !== undefined) lowestHonest.set(p.address, Math.min(lowestHonest.get(p.address) as number, r));
      }
      await sleep(1_000);
    }

    for (const p of faulty) {
      t.diagnostic(
        `${p.faulty}: reputation ${(latest.get(p.address.toLowerCase()) as number).toFixed(3)} at the end, stake ${await stakeOf(p.address)} of ${initialStake.get(p.address)}`,
      );
      t.diagnostic(
        `${p.faulty}: reputation below ${SELECTION_THRESHOLD} at ${belowAt.get(p.address)} ms, stake slashed at ${slashedAt.get(p.address)} ms`,
      );
    }
    t.diagnostic(
      `downloads ${downloads} ok, ${failedDownloads} failed (through faulty providers before they were caught)`,
    );
    for (const p of faulty) {
      assert.ok(belowAt.has(p.address), `${p.faulty}: reputation below the threshold within 4 minutes`);
      assert.ok(slashedAt.has(p.address), `${p.faulty}: stake slashed within 4 minutes`);
    }
    assert.deepEqual(violations, [], 'the client stops choosing a provider once it is below the threshold');

    // The client now works through honest providers only.
    assert.equal(await curlSha256(['--socks5-hostname', info.socks, url], SIZE), sha);
    const status = await getJson<ClientStatus>(`${info.client.api}/api/status`);
    for (const hop of status.path)
      assert.ok(
        honest.some((p) => p.address === hop.provider),
        `${hop.provider} is honest`,
      );

    // Every auditor anchored its reports' digest on chain, epoch by epoch, one report per provider.
    const anchored = await chain.getContractEvents({
      address: info.contracts.registry,
      abi: providerRegistryAbi,
      eventName: 'ReportsAnchored',
      fromBlock: 0n,
    });
    for (const a of info.auditors) {
      const mine = anchored.filter((e) => e.args.auditor === a.address);
      t.diagnostic(
        `auditor ${a.address}: ${mine.length} epochs anchored, counts ${mine.map((e) => e.args.count).join(',')}`,
      );
      assert.ok(mine.length >= 1, `auditor ${a.address} anchored its reports`);
      assert.ok(mine.every((e) => (e.args.count as number) >= 1 && (e.args.count as number) <= info.providers.length));
      assert.ok(
        mine.some((e) => e.args.count === info.providers.length),
        'an epoch with every provider audited',
      );
    }

    // No false positive: honest stakes unchanged, reputations above the threshold the whole time.
    for (const p of honest) {
      assert.equal(await stakeOf(p.address), initialStake.get(p.address), `honest ${p.address} keeps its stake`);
      const lowest = lowestHonest.get(p.address) as number;
      const last = latest.get(p.address.toLowerCase()) as number;
      t.diagnostic(`honest ${p.address}: reputation lowest ${lowest.toFixed(3)}, last ${last.toFixed(3)}`);
      assert.ok(lowest >= SELECTION_THRESHOLD, `honest ${p.address} stayed selectable (lowest ${lowest})`);
    }
  });
});
