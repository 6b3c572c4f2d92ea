/**
 * `npm run bench:zk [-- --json]`: the cost of the zero-knowledge proofs on this machine. For each circuit, a
 * child process (so its peak memory is its own) builds a realistic input, proves once to warm up, then
 * `RUNS` times: proving time (witness + Groth16) and off-chain verification time, and the child's peak
 * resident memory. Then the verifier's gas on the embedded chain: a real transaction calling the generated
 * verifier with a fresh proof (fixed gas limit: a snarkjs verifier answers `false` when short of gas, so
 * `eth_estimateGas` under-reports it), 21,000 base and calldata included.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeFunctionData, type Hex, keccak256, numberToHex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';

const RUNS = 3;
const CIRCUITS = ['servedVolume'] as const;

type ChildResult = {
  circuit: string;
  constraints?: number;
  provingMs: number[];
  verifyMs: number[];
  peakRssMiB: number;
  proof: string[];
  publicSignals: string[];
};

/** A 3-receipt served-volume claim over a 1,000-leaf channel tree (depth 10 of the circuit's 20). */
async function servedVolumeInput() {
  const { buildVolumeWitness } = await import('../src/volume/buildVolumeWitness.ts');
  const { deriveProviderSecret, deriveVolumeKey } = await import('../src/volume/volumeKeys.ts');
  const { channelLeaf, signVolumeReceipt } = await import('../src/volume/volumeReceipt.ts');
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

async function child(circuit: string): Promise<void> {
  const { proveGroth16 } = await import('../src/zk/proveGroth16.ts');
  const { verifyGroth16 } = await import('../src/zk/verifyGroth16.ts');
  const input = await servedVolumeInput();
  await proveGroth16(circuit, input); // warm-up: artifacts loaded, curve built
  const provingMs: number[] = [];
  const verifyMs: number[] = [];
  let last: Awaited<ReturnType<typeof proveGroth16>> | undefined;
  for (let i = 0; i < RUNS; i++) {
    let t = performance.now();
    last = await proveGroth16(circuit, input);
    provingMs.push(Math.round(performance.now() - t));
    t = performance.now();
    if (!(await verifyGroth16(circuit, last.proof, last.publicSignals))) throw new Error('proof did not verify');
    verifyMs.push(Math.round(performance.now() - t));
  }
  const s = last?.solidity;
  const result: ChildResult = {
    circuit,
    provingMs,
    verifyMs,
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    proof: s ? [s.pA[0], s.pA[1], s.pB[0][0], s.pB[0][1], s.pB[1][0], s.pB[1][1], s.pC[0], s.pC[1]].map(String) : [],
    publicSignals: last?.publicSignals ?? [],
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

async function verifierGas(results: ChildResult[]): Promise<Record<string, number>> {
  const { startEmbeddedChain } = await import('../src/chain/startEmbeddedChain.ts');
  const { createChainClient } = await import('../src/chain/chainClient.ts');
  const { devAccount } = await import('../src/chain/devAccounts.ts');
  const { volumeLedgerAbi } = await import('../src/chain/abi/volumeLedger.ts');
  const { servedVolumeVerifierAbi } = await import('../src/chain/abi/servedVolumeVerifier.ts');
  const chain = await startEmbeddedChain({ port: 0, deploymentsDir: mkdtempSync(join(tmpdir(), 'bandex-bench-zk-')) });
  try {
    const client = createChainClient(chain.anvil.rpcUrl, devAccount(1));
    const ledger = chain.deployment.contracts.volumeLedger as Hex;
    const verifier = await client.readContract({ address: ledger, abi: volumeLedgerAbi, functionName: 'verifier' });
    const gas: Record<string, number> = {};
    for (const r of results) {
      const p = r.proof.map(BigInt);
      const args = [
        [p[0], p[1]],
        [
          [p[2], p[3]],
          [p[4], p[5]],
        ],
        [p[6], p[7]],
        r.publicSignals.map(BigInt),
      ] as const;
      const ok = await client.readContract({
        address: verifier,
        abi: servedVolumeVerifierAbi,
        functionName: 'verifyProof',
        args: args as never,
      });
      if (!ok) throw new Error(`the ${r.circuit} verifier refused a valid proof`);
      const hash = await client.sendTransaction({
        to: verifier,
        data: encodeFunctionData({ abi: servedVolumeVerifierAbi, functionName: 'verifyProof', args: args as never }),
        gas: 1_000_000n,
        chain: client.chain,
      });
      gas[r.circuit] = Number((await client.waitForTransactionReceipt({ hash })).gasUsed);
    }
    return gas;
  } finally {
    await chain.stop();
  }
}

const childAt = process.argv.indexOf('--child');
if (childAt >= 0) {
  await child(process.argv[childAt + 1] as string);
} else {
  const results: ChildResult[] = [];
  for (const circuit of CIRCUITS) {
    const out = execFileSync(process.execPath, [import.meta.filename, '--child', circuit], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 16 << 20,
    });
    results.push(JSON.parse(out.trim().split('\n').at(-1) as string) as ChildResult);
  }
  const gas = await verifierGas(results);
  const rows = results.map((r) => ({
    circuit: r.circuit,
    provingMsMedian: [...r.provingMs].sort((a, b) => a - b)[Math.floor(r.provingMs.length / 2)],
    provingMs: r.provingMs.join(' '),
    verifyMs: r.verifyMs.join(' '),
    peakRssMiB: r.peakRssMiB,
    verifierGas: gas[r.circuit],
  }));
  if (process.argv.includes('--json')) process.stdout.write(`${JSON.stringify(rows)}\n`);
  else console.table(rows);
  process.exit(0);
}
