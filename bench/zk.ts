/**
 * `npm run bench:zk [-- --json]`: what each circuit's proofs cost on this machine — constraints, proving time
 * (median and max of `RUNS`, witness + Groth16 through `proveGroth16`), off-chain verification, and the process's
 * peak RSS while proving. The artifacts come from the cache (built first when missing: that time is reported
 * apart), and the spend proof's share of the time to the first paid byte of a session paid from the pool (real
 * chain, real provider process). On-chain costs are in contracts/gas.json (`npm run gas`). To add a circuit, add a witness generator to
 * `INPUTS`: a realistic input, since proving time does not depend on the values but the witness must satisfy it
 * (`poolSpend`: a spend from 1,000 notes; `servedVolume`: a 3-receipt claim over 1,000 registered channels).
 */

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Hex, keccak256, numberToHex } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { depositToPool } from '../src/chain/actions/depositToPool.ts';
import { createChainClient } from '../src/chain/chainClient.ts';
import { devAccount } from '../src/chain/devAccounts.ts';
import { silentLogger } from '../src/log/logger.ts';
import type { SignedOffer } from '../src/net/offer.ts';
import { createPoolFunder } from '../src/pool/createPoolFunder.ts';
import { createNote, noteCommitment, noteKey } from '../src/pool/note.ts';
import { PoolWallet } from '../src/pool/PoolWallet.ts';
import { poolTree } from '../src/pool/poolTree.ts';
import { spendInput } from '../src/pool/spendInput.ts';
import { createPathBuilder } from '../src/session/buildPath.ts';
import { ChannelStore } from '../src/store/ChannelStore.ts';
import { openDatabase } from '../src/store/openDatabase.ts';
import { buildVolumeWitness } from '../src/volume/buildVolumeWitness.ts';
import { deriveProviderSecret, deriveVolumeKey } from '../src/volume/volumeKeys.ts';
import { channelLeaf, signVolumeReceipt } from '../src/volume/volumeReceipt.ts';
import { buildCircuit } from '../src/zk/buildCircuit.ts';
import { proveGroth16 } from '../src/zk/proveGroth16.ts';
import { verifyGroth16 } from '../src/zk/verifyGroth16.ts';
import { CREDIT, DEPOSIT, PRICE, startAdversaryBench } from '../test/support/adversary.ts';

const RUNS = 5;

/** A 3-receipt served-volume claim over a 1,000-leaf channel tree (depth 10 of the circuit's 20). */
async function servedVolumeInput(): Promise<Record<string, unknown>> {
  const provider = privateKeyToAccount(numberToHex(0xb0b, { size: 32 }));
  const items = [];
  const leaves: bigint[] = [];
  for (let i = 0; i < 1_000; i++) leaves.push(BigInt(keccak256(numberToHex(i))) >> 8n);
  for (let i = 0; i < 3; i++) {
    const payer = privateKeyToAccount(numberToHex(0xa11ce + i, { size: 32 }));
    const key = await deriveVolumeKey(payer);
    const channelId = keccak256(numberToHex(1_000 + i)) as Hex;
    const channel = { channelId, payee: provider.address, deposit: 10n ** 20n, key: key.publicKey };
    leaves[100 * i + 7] = channelLeaf(channel);
    items.push({
      channel,
      receipt: signVolumeReceipt(key.privateKey, { channelId, epoch: 9n, bytes: 1n << 30n, value: 10n ** 18n }),
    });
  }
  const secret = await deriveProviderSecret(provider);
  return buildVolumeWitness({ epoch: 9n, provider: provider.address, providerSecret: secret, leaves, items }).input;
}

/** circuit → a fresh satisfying input per run. */
const INPUTS: Record<string, () => Record<string, unknown> | Promise<Record<string, unknown>>> = {
  // A spend from a pool of 1,000 notes (depth 10 of 20).
  poolSpend: (() => {
    const notes = Array.from({ length: 1_000 }, () => createNote(10n ** 19n));
    const tree = poolTree(notes.map(noteCommitment));
    let next = 0;
    return () => {
      const index = next++ % notes.length;
      const note = notes[index] as (typeof notes)[number];
      return spendInput({ tree, leafIndex: index, note, amount: 10n ** 18n, change: createNote(0n), binding: 1n })
        .input;
    };
  })(),
  servedVolume: servedVolumeInput,
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

const results: Record<string, unknown> = {};
for (const [circuit, input] of Object.entries(INPUTS)) {
  const started = performance.now();
  const build = await buildCircuit(circuit);
  const buildMs = Math.round(performance.now() - started);
  const prove: number[] = [];
  const verify: number[] = [];
  let peakRss = 0;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 10);
  for (let i = 0; i < RUNS; i++) {
    const witness = await input();
    const t0 = performance.now();
    const { proof, publicSignals } = await proveGroth16(circuit, witness);
    prove.push(performance.now() - t0);
    const t1 = performance.now();
    if (!(await verifyGroth16(circuit, proof, publicSignals))) throw new Error(`${circuit}: a proof did not verify`);
    verify.push(performance.now() - t1);
  }
  clearInterval(sampler);
  results[circuit] = {
    constraints: build.constraints,
    ptauPower: build.ptauPower,
    buildOrCacheMs: buildMs,
    proveMsMedian: Math.round(median(prove)),
    proveMsMax: Math.round(Math.max(...prove)),
    verifyMsMedian: Math.round(median(verify)),
    peakRssMiB: Math.round(peakRss / 2 ** 20),
    runs: RUNS,
  };
}

results.timeToFirstPaidByte = await firstPaidByte();

/**
 * The proof's share of the time to the first paid byte of a session paid from the pool: a real provider process
 * and chain (the adversarial tests' bench), a 100 RBT note, then — timed — the spend proof, its transaction (a
 * relayer submits it), the paid path's setup through the pool-funded channel, and the first byte downloaded.
 */
async function firstPaidByte() {
  const bench = await startAdversaryBench('bench-zk');
  try {
    const { deployment } = bench.chain;
    const rpc = bench.chain.anvil.rpcUrl;
    const owner = await bench.account(7);
    const client = createChainClient(rpc, owner);
    const wallet = await PoolWallet.open(join(mkdtempSync(join(tmpdir(), 'bandex-bench-zk-')), 'notes'), owner);
    const note = createNote(DEPOSIT);
    const { leafIndex } = await depositToPool(client, { deployment, noteKey: noteKey(note), denomination: DEPOSIT });
    wallet.add({ ...note, status: 'unspent', leafIndex });
    const hopKey = privateKeyToAccount(generatePrivateKey());
    const funder = createPoolFunder({
      reader: client,
      relayer: createChainClient(rpc, devAccount(3)),
      deployment,
      wallet,
    });
    const t0 = performance.now();
    const { channelId, proveMs } = await funder.fund({
      payer: hopKey.address,
      payee: bench.provider.address,
      deposit: DEPOSIT,
      premiumBps: 0,
    });
    const funded = performance.now();
    const store = new ChannelStore(
      openDatabase({ file: join(mkdtempSync(join(tmpdir(), 'bandex-bench-zk-')), 'c.db') }),
    );
    store.saveChannel({
      channelId,
      role: 'payer',
      chainId: deployment.chainId,
      contract: deployment.contracts.channels,
      payer: hopKey.address,
      payee: bench.provider.address,
      deposit: DEPOSIT,
    });
    store.setMeta(`payer.channel.${bench.provider.address.toLowerCase()}`, channelId);
    const builder = createPathBuilder({
      client: createChainClient(rpc, hopKey),
      deployment,
      account: hopKey,
      node: bench.node,
      store,
      depositWei: DEPOSIT,
      creditBytes: CREDIT,
      logger: silentLogger,
    });
    const offer = {
      offer: { provider: bench.provider.address, peerId: bench.provider.peerId, priceWeiPerGiB: PRICE },
    } as SignedOffer;
    const path = await builder.build([offer]);
    const stream = await path.session.openStream({ host: '127.0.0.1', port: bench.origins.download });
    for await (const _ of stream) break;
    const firstByte = performance.now();
    stream.destroy();
    await builder.close(path);
    store.close();
    const totalMs = firstByte - t0;
    return {
      proveMs: Math.round(proveMs),
      fundTxMs: Math.round(funded - t0 - proveMs),
      pathAndFirstByteMs: Math.round(firstByte - funded),
      totalMs: Math.round(totalMs),
      proofShare: Number((proveMs / totalMs).toFixed(2)),
    };
  } finally {
    await bench.stop();
  }
}

if (process.argv.includes('--json')) process.stdout.write(`${JSON.stringify(results)}\n`);
else {
  const { timeToFirstPaidByte, ...circuits } = results;
  console.table(circuits);
  console.table({ timeToFirstPaidByte });
}
