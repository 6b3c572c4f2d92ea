/**
 * Probes that look like customers, end to end on a real `bandex devnet` (embedded chain, three honest
 * providers, three staked auditors, a paying client) with one `blackhole-customers` provider: it serves
 * every session that looks like an auditor's — payer a registered auditor or funded by one, a channel
 * younger than an epoch, a start at the top of an epoch — and black-holes the rest. The auditors' probes
 * pay from fresh keys funded as customers are, so it black-holes them too: within `WINDOW_MS` its
 * reputation (an auditor's view of the gossiped reports) falls below the selection threshold and its
 * stake drops on chain. The chain shows why: no probe channel names an auditor as payer or funder, and every probe
 * key got its first tUSD and RBT minted by the faucet and the curve, like the client.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Address, createPublicClient, http, parseAbiItem, zeroAddress } from 'viem';
import { paymentChannelsAbi } from '../../src/chain/abi/paymentChannels.ts';
import { providerRegistryAbi } from '../../src/chain/abi/providerRegistry.ts';
import { SELECTION_THRESHOLD } from '../../src/reputation/reputation.ts';
import { type DevnetProcess, getJson, startDevnetCli } from '../support/devnet.ts';

/** Epochs are 20 s; a slash lands a dispute window (one epoch) after its proposal: 8 epochs measured here. */
const WINDOW_MS = 240_000;

type AuditorStatus = { providers: { provider: Address; reputation: number; last?: Record<string, unknown> }[] };

describe('a provider that serves auditors and black-holes customers is caught', { timeout: 360_000 }, () => {
  let devnet: DevnetProcess;
  before(async () => {
    // Honest providers claim what two busy cores carry while they are measured (as in audit.e2e).
    devnet = await startDevnetCli(['--faulty', 'blackhole-customers', '--capacity', '4000000']);
  });
  after(async () => {
    await devnet?.stop();
  });

  it('reputation below the threshold and stake slashed; probes pay from unlinkable keys', async (t) => {
    const { info } = devnet;
    const chain = createPublicClient({ transport: http(info.rpc) });
    const stakeOf = (provider: Address) =>
      chain.readContract({
        address: info.contracts.registry,
        abi: providerRegistryAbi,
        functionName: 'stakeOf',
        args: [provider],
      });
    const faulty = info.providers.find((p) => p.faulty === 'blackhole-customers');
    assert.ok(faulty, 'the devnet runs a blackhole-customers provider');
    const honest = info.providers.filter((p) => !p.faulty);
    const initialStake = new Map<Address, bigint>();
    for (const p of info.providers) initialStake.set(p.address, await stakeOf(p.address));

    const start = Date.now();
    let belowAt: number | undefined;
    let slashedAt: number | undefined;
    let lowestHonest = 1;
    while (Date.now() - start < WINDOW_MS && (belowAt === undefined || slashedAt === undefined)) {
      const now = Date.now() - start;
      const status = await getJson<AuditorStatus>(`${info.auditors[0]?.api}/api/status`);
      for (const p of status.providers) {
        if (p.provider === faulty.address && p.reputation < SELECTION_THRESHOLD) belowAt ??= now;
        if (honest.some((h) => h.address === p.provider)) lowestHonest = Math.min(lowestHonest, p.reputation);
      }
      if (slashedAt === undefined && (await stakeOf(faulty.address)) < (initialStake.get(faulty.address) as bigint))
        slashedAt = now;
      await sleep(1_000);
    }
    t.diagnostic(
      `blackhole-customers: reputation below ${SELECTION_THRESHOLD} at ${belowAt} ms, slashed at ${slashedAt} ms`,
    );
    t.diagnostic(
      `stake ${await stakeOf(faulty.address)} of ${initialStake.get(faulty.address)}; honest lowest ${lowestHonest.toFixed(3)}`,
    );
    for (const p of (await getJson<AuditorStatus>(`${info.auditors[0]?.api}/api/status`)).providers)
      t.diagnostic(`${p.provider} reputation ${p.reputation.toFixed(3)}, last report ${JSON.stringify(p.last)}`);
    assert.ok(belowAt !== undefined, 'reputation below the threshold within the window');
    assert.ok(slashedAt !== undefined, 'stake slashed within the window');
    for (const p of honest)
      assert.equal(await stakeOf(p.address), initialStake.get(p.address), `${p.address} keeps its stake`);
    assert.ok(lowestHonest >= SELECTION_THRESHOLD, `honest providers stay selectable (lowest ${lowestHonest})`);

    // No channel to a provider names an auditor as payer or was funded by one; every channel is paid by a
    // hop key of its own (which never holds RBT) and funded by a wallet (a probe key, or the client's)
    // that got its RBT like the client.
    const opened = await chain.getContractEvents({
      address: info.contracts.channels,
      abi: paymentChannelsAbi,
      eventName: 'ChannelOpened',
      fromBlock: 0n,
    });
    const auditors = new Set(info.auditors.map((a) => a.address.toLowerCase()));
    const payers = new Set(opened.map((e) => (e.args.payer as Address).toLowerCase()));
    const funders = new Set<string>();
    for (const e of opened) funders.add((await chain.getTransaction({ hash: e.transactionHash })).from.toLowerCase());
    funders.delete(info.client.address.toLowerCase());
    t.diagnostic(`${opened.length} channels opened, ${payers.size} hop keys, ${funders.size} probe funders`);
    assert.equal(payers.size, opened.length, 'a payer key per channel');
    assert.ok(funders.size >= info.providers.length, 'a probe key per provider at least');
    for (const a of auditors) assert.ok(!payers.has(a) && !funders.has(a), `auditor ${a} pays and funds no probe`);
    const transfer = parseAbiItem('event Transfer(address indexed from, address indexed to, uint256 value)');
    const firstRbt = async (to: string) =>
      (
        await chain.getLogs({
          address: info.contracts.token,
          event: transfer,
          args: { to: to as Address },
          fromBlock: 0n,
        })
      )[0];
    for (const payer of payers) assert.equal(await firstRbt(payer), undefined, `hop key ${payer} never holds RBT`);
    for (const funder of funders) {
      assert.equal((await firstRbt(funder))?.args.from, zeroAddress, `${funder}'s first RBT was minted by the curve`);
      assert.equal(await chain.getBalance({ address: funder as Address, blockNumber: 0n }), 0n, 'no genesis ETH');
    }
  });
});
