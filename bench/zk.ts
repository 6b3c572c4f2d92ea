/**
 * `npm run bench:zk [-- --json]`: what each circuit's proofs cost on this machine — constraints, proving time
 * (median and max of `RUNS`, witness + Groth16 through `proveGroth16`), off-chain verification, and the process's
 * peak RSS while proving. The artifacts come from the cache (built first when missing: that time is reported
 * apart). On-chain costs are in contracts/gas.json (`npm run gas`). To add a circuit, add a witness generator to
 * `INPUTS`: a realistic input, since proving time does not depend on the values but the witness must satisfy it.
 */

import { createNote, noteCommitment } from '../src/pool/note.ts';
import { poolTree } from '../src/pool/poolTree.ts';
import { spendInput } from '../src/pool/spendInput.ts';
import { buildCircuit } from '../src/zk/buildCircuit.ts';
import { proveGroth16 } from '../src/zk/proveGroth16.ts';
import { verifyGroth16 } from '../src/zk/verifyGroth16.ts';

const RUNS = 5;

/** circuit → a fresh satisfying input per run. */
const INPUTS: Record<string, () => Record<string, unknown>> = {
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
    const t0 = performance.now();
    const { proof, publicSignals } = await proveGroth16(circuit, input());
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

if (process.argv.includes('--json')) process.stdout.write(`${JSON.stringify(results)}\n`);
else console.table(results);
