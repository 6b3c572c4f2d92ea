/**
 * The committee maths of docs/audit.md: the probability that an attacker holding a share `s` of all
 * active auditor stake controls a slash quorum of a committee, per (provider, epoch).
 *
 * Two figures per cell: the binomial bound (each seat the attacker's with probability s, what an attacker
 * splitting its stake over many small accounts approaches) and a Monte Carlo of the registry's own draw
 * (`committeeOf`: stake-weighted, without replacement), honest stake in 20 equal auditors, the attacker's
 * in `m` equal accounts.
 *
 *   node scripts/committee-odds.ts [--trials 200000]
 */
const trialsArg = process.argv.indexOf('--trials');
const TRIALS = trialsArg > 0 ? Number(process.argv[trialsArg + 1]) : 200_000;

const quorumOf = (size: number, bps = 6_666) => Math.max(2, Math.ceil((size * bps) / 10_000));

function binomialTail(k: number, q: number, s: number): number {
  let p = 0;
  let c = 1;
  for (let i = 0; i <= k; i++) {
    if (i > 0) c = (c * (k - i + 1)) / i;
    if (i >= q) p += c * s ** i * (1 - s) ** (k - i);
  }
  return p;
}

/** Deterministic PRNG (mulberry32), so the table is reproducible. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function simulate(k: number, s: number, attackerAccounts: number, honestAccounts = 20): number {
  const random = rng(k * 1_000 + Math.round(s * 100) + attackerAccounts);
  const weights = [
    ...Array.from({ length: honestAccounts }, () => (1 - s) / honestAccounts),
    ...Array.from({ length: attackerAccounts }, () => s / attackerAccounts),
  ];
  const q = quorumOf(Math.min(k, weights.length));
  let wins = 0;
  for (let t = 0; t < TRIALS; t++) {
    const w = [...weights];
    let total = 1;
    let seats = 0;
    for (let j = 0; j < Math.min(k, w.length); j++) {
      let r = random() * total;
      let i = 0;
      while (r >= (w[i] as number)) r -= w[i++] as number;
      if (i >= honestAccounts) seats++;
      total -= w[i] as number;
      w[i] = 0;
    }
    if (seats >= q) wins++;
  }
  return wins / TRIALS;
}

const shares = [0.1, 0.2, 1 / 3, 0.5];
console.log(`committee size k, quorum q (2/3 rounded up) | attacker share s → P(quorum) per provider-epoch`);
console.log('k | q | ' + shares.map((s) => `s=${s.toFixed(2)} binomial / sim (m=10)`).join(' | '));
for (const k of [5, 7, 15, 31]) {
  const q = quorumOf(k);
  const cells = shares.map((s) => `${binomialTail(k, q, s).toExponential(2)} / ${simulate(k, s, 10).toExponential(2)}`);
  console.log(`${k} | ${q} | ${cells.join(' | ')}`);
}
