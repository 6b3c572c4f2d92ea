/**
 * `node scripts/economics-sim.ts`: simulates the bonding curve through a 10× demand spike, once with
 * the adaptive reserve ratio (the IH factor, the same rule as contracts/src/BondingCurve.sol) and once
 * with the ratio fixed, and writes the price paths to docs/economics-spike.svg. Prints the maximum
 * deviation of each path from the pre-spike price as one JSON line.
 *
 * Rule mirrored from the contract: fast (α = 1/2) and slow (α = 1/16) demand averages, target
 * `min + (max − min)·fast/(fast + slow)`, at most one step per epoch, and the ratio-change rule (the
 * price is kept; a raise keeps the price's log-slope, S' = S·k'/k with k = 1/rr − 1, as far as 1 RBT of
 * virtual supply remains; a fall keeps the price at zero real supply, S' = s/(1 − (V/S)^(k/k')); R' =
 * price·S'·rr'). The 0.5 % buy spread stays out of the formula reserve (both curves pay it).
 * `--step 0.05` sets the largest move per epoch (devnet 0.02; `--step 1`: no limit); `--no-svg` skips
 * the chart.
 *
 * Market model per epoch: buyers spend `demand(t)` reserve units; holders sell back RBT worth the
 * baseline demand at the current price (steady churn). Floating point is enough for a price path;
 * the contract's exact arithmetic is tested in contracts/test/.
 *
 * `node scripts/economics-sim.ts --reference` instead prints exact Bancor returns (BigInt fixed point,
 * 80 digits) as the table embedded in contracts/test/BondingCurve.t.sol's precision test.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

type Curve = {
  realReserve: number;
  /** The formula reserve R (the contract's `reserveBalance()`). */
  reserve: number;
  realSupply: number;
  virtualSupply: number;
  ratio: number;
  demand: number;
  slowDemand: number;
  epochBuys: number;
};

const MIN_RATIO = 0.1;
const MAX_RATIO = 0.9;
const stepArg = process.argv.indexOf('--step');
const MAX_STEP = stepArg > 0 ? Number(process.argv[stepArg + 1]) : 0.02;
const MIN_VIRTUAL_SUPPLY = 1; // RBT
const SPREAD = 0.005; // BUY_SPREAD_PPM
const BASELINE = 1_000; // reserve units bought (and sold back) per epoch
const WARMUP = 200;
const SPIKE_START = WARMUP + 20;
const SPIKE_LENGTH = 20;
const EPOCHS = WARMUP + 120;

const R = (c: Curve) => c.reserve;
const S = (c: Curve) => c.realSupply + c.virtualSupply;
const price = (c: Curve) => R(c) / (S(c) * c.ratio);
const purchase = (c: Curve, d: number) => S(c) * ((1 + d / R(c)) ** c.ratio - 1);
const sale = (c: Curve, t: number) => R(c) * (1 - (1 - t / S(c)) ** (1 / c.ratio));

function buy(c: Curve, d: number): void {
  const t = purchase(c, d * (1 - SPREAD));
  c.realReserve += d;
  c.reserve += d * (1 - SPREAD);
  c.realSupply += t;
  c.epochBuys += d;
}

function sell(c: Curve, t: number): void {
  const amount = Math.min(t, c.realSupply);
  const paid = sale(c, amount);
  c.realReserve -= paid;
  c.reserve -= paid;
  c.realSupply -= amount;
}

/** Reserve the real supply cannot claim: the real reserve minus the sale of the whole real supply. */
const surplus = (c: Curve) => c.realReserve - sale(c, c.realSupply);

/** The contract's epoch update: EWMA demand, target ratio, bounded step, the ratio-change rule. */
function poke(c: Curve, adaptive: boolean): void {
  c.demand = (c.demand + c.epochBuys) / 2;
  c.slowDemand = c.slowDemand + (c.epochBuys - c.slowDemand) / 16;
  c.epochBuys = 0;
  if (!adaptive) return;
  const current = c.ratio;
  // No demand information: the current ratio clamped into the bounds (as the contract does).
  const target =
    c.demand + c.slowDemand === 0
      ? Math.min(Math.max(current, MIN_RATIO), MAX_RATIO)
      : MIN_RATIO + ((MAX_RATIO - MIN_RATIO) * c.demand) / (c.demand + c.slowDemand);
  let next = Math.abs(target - current) > MAX_STEP ? current + Math.sign(target - current) * MAX_STEP : target;
  if (next === current) return;
  const supply = S(c);
  const p = price(c);
  const k = 1 / current - 1;
  let newSupply: number;
  if (next > current) {
    // BancorMath.maxRaisedRatio / raisedSupply: keep k/S, leave at least 1 RBT virtual.
    const minSupply = c.realSupply + MIN_VIRTUAL_SUPPLY;
    next = Math.min(next, supply / (supply + k * minSupply));
    if (next <= current) return;
    newSupply = (supply * (1 / next - 1)) / k;
  } else {
    // BancorMath.loweredSupply: keep the price at zero real supply as well; never below S.
    newSupply =
      current === 1 || c.realSupply === 0
        ? supply
        : Math.max(supply, c.realSupply / (1 - (c.virtualSupply / supply) ** (k / (1 / next - 1))));
  }
  c.reserve = p * newSupply * next;
  c.virtualSupply = newSupply - c.realSupply;
  c.ratio = next;
}

type Path = { prices: number[]; ratios: number[]; virtualShares: number[]; surplus: number };

function simulate(adaptive: boolean): Path {
  const c: Curve = {
    realReserve: 0,
    reserve: 5_000,
    realSupply: 0,
    virtualSupply: 1_000_000,
    ratio: 0.5,
    demand: 0,
    slowDemand: 0,
    epochBuys: 0,
  };
  const prices: number[] = [];
  const ratios: number[] = [];
  const virtualShares: number[] = [];
  for (let epoch = 0; epoch < EPOCHS; epoch++) {
    const spike = epoch >= SPIKE_START && epoch < SPIKE_START + SPIKE_LENGTH;
    buy(c, spike ? 10 * BASELINE : BASELINE);
    sell(c, BASELINE / price(c));
    poke(c, adaptive);
    // The contract's solvency invariant (float tolerance).
    if (surplus(c) < -1e-6 * c.realReserve) throw new Error(`epoch ${epoch}: the reserve does not cover the supply`);
    prices.push(price(c));
    ratios.push(c.ratio);
    virtualShares.push(c.virtualSupply / S(c));
  }
  const after = (values: number[]) => values.slice(WARMUP);
  return { prices: after(prices), ratios: after(ratios), virtualShares: after(virtualShares), surplus: surplus(c) };
}

function maxDeviation(prices: number[]): number {
  const base = prices[SPIKE_START - WARMUP - 1] as number;
  return Math.max(...prices.map((p) => Math.abs(p / base - 1)));
}

function svg(series: { name: string; color: string; values: number[] }[], ratios: number[]): string {
  const width = 720;
  const height = 360;
  const pad = 50;
  const all = series.flatMap((s) => s.values);
  const [lo, hi] = [Math.min(...all), Math.max(...all)];
  const x = (i: number) => pad + (i / (ratios.length - 1)) * (width - 2 * pad);
  const y = (v: number) => height - pad - ((v - lo) / (hi - lo)) * (height - 2 * pad);
  const yRatio = (r: number) => height - pad - r * (height - 2 * pad);
  const line = (values: number[], map: (v: number) => number) =>
    values.map((v, i) => `${x(i).toFixed(1)},${map(v).toFixed(1)}`).join(' ');
  const spikeX0 = x(SPIKE_START - WARMUP);
  const spikeX1 = x(SPIKE_START - WARMUP + SPIKE_LENGTH);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">
  <title>Spot price through a 10× demand spike: adaptive versus fixed reserve ratio</title>
  <rect width="100%" height="100%" fill="white"/>
  <rect x="${spikeX0}" y="${pad}" width="${spikeX1 - spikeX0}" height="${height - 2 * pad}" fill="#fde68a" opacity="0.5"/>
  <text x="${spikeX0 + 4}" y="${pad + 14}">10× demand</text>
  <line x1="${pad}" y1="${height - pad}" x2="${width - pad}" y2="${height - pad}" stroke="black"/>
  <line x1="${pad}" y1="${pad}" x2="${pad}" y2="${height - pad}" stroke="black"/>
  <text x="${pad}" y="${pad - 10}">spot price (reserve units per RBT): ${lo.toFixed(4)} – ${hi.toFixed(4)}</text>
  <text x="${width / 2 - 20}" y="${height - 15}">epoch</text>
${series.map((s, i) => `  <polyline fill="none" stroke="${s.color}" stroke-width="2" points="${line(s.values, y)}"/>\n  <text x="${width - pad - 220}" y="${pad + 20 + 16 * i}" fill="${s.color}">${s.name}</text>`).join('\n')}
  <polyline fill="none" stroke="#9ca3af" stroke-dasharray="4 3" points="${line(ratios, yRatio)}"/>
  <text x="${width - pad - 220}" y="${pad + 52}" fill="#6b7280">adaptive reserve ratio (0–100 % scale)</text>
</svg>
`;
}

// ---------------------------------------------------------------------------------------------
// Reference mode (`node scripts/economics-sim.ts --reference`): exact Bancor returns in BigInt fixed
// point with 80 decimal digits, printed as the Solidity table embedded in contracts/test/BondingCurve.t.sol.
// ---------------------------------------------------------------------------------------------
const DIGITS = 80n;
const ONE = 10n ** DIGITS;

/** atanh(z)·ONE for |z| < 1 given as z = num/den, by its odd power series. */
function atanh(num: bigint, den: bigint): bigint {
  const z = (num * ONE) / den;
  const z2 = (z * z) / ONE;
  let term = z;
  let sum = 0n;
  for (let k = 1n; term !== 0n; k += 2n) {
    sum += term / k;
    term = (term * z2) / ONE;
  }
  return sum;
}

const LN2 = 2n * atanh(1n, 3n);

/** ln(x/ONE)·ONE for x > 0: x = m·2^k with m in [1, 2), ln m = 2·atanh((m − 1)/(m + 1)). */
function lnFixed(x: bigint): bigint {
  let k = 0n;
  let m = x;
  while (m >= 2n * ONE) {
    m /= 2n;
    k += 1n;
  }
  while (m < ONE) {
    m *= 2n;
    k -= 1n;
  }
  return k * LN2 + 2n * atanh(m - ONE, m + ONE);
}

/** exp(y/ONE)·ONE: y = k·ln2 + r with |r| ≤ ln2/2, Taylor series for exp(r). */
function expFixed(y: bigint): bigint {
  let k = y / LN2;
  let r = y - k * LN2;
  if (r > LN2 / 2n) {
    r -= LN2;
    k += 1n;
  } else if (r < -LN2 / 2n) {
    r += LN2;
    k -= 1n;
  }
  let term = ONE;
  let sum = ONE;
  for (let n = 1n; term !== 0n; n++) {
    term = (term * r) / (ONE * n);
    sum += term;
  }
  return k >= 0n ? sum * 2n ** k : sum / 2n ** -k;
}

/** (base/ONE)^(num/den)·ONE. */
function powFixed(base: bigint, num: bigint, den: bigint): bigint {
  return expFixed((lnFixed(base) * num) / den);
}

/** floor(v/ONE), where v is within 1e-50 (relative to ONE) below an exact integer counts as it. */
function floorFixed(v: bigint): bigint {
  const q = v / ONE;
  return (q + 1n) * ONE - v < ONE / 10n ** 50n ? q + 1n : q;
}

/** Exact purchase return, floored: S·((1 + d/R)^rr − 1). */
export function exactPurchase(s: bigint, r: bigint, ratioPpm: bigint, d: bigint): bigint {
  const f = powFixed(ONE + (d * ONE) / r, ratioPpm, 1_000_000n) - ONE;
  return floorFixed(s * f);
}

/** Exact sale return, floored: R·(1 − (1 − t/S)^(1/rr)). */
export function exactSale(s: bigint, r: bigint, ratioPpm: bigint, t: bigint): bigint {
  const f = ONE - powFixed(ONE - (t * ONE) / s, 1_000_000n, ratioPpm);
  return floorFixed(r * f);
}

export function referenceTable(): string {
  const S = 10n ** 24n; // 1,000,000 RBT
  const R = 5_000n * 10n ** 6n; // 5,000 dollars (6 decimals)
  const ratios = [10_000n, 50_000n, 100_000n, 250_000n, 500_000n, 750_000n, 1_000_000n];
  // Buys: d/R from 1e-6 to 10; sells: t/S from 1e-6 to 0.9.
  const buys = [5_000n, 5_000_000n, 50_000_000n, 1_000_000_000n, 5_000_000_000n, 50_000_000_000n];
  const sells = [10n ** 18n, 10n ** 21n, 10n ** 22n, 10n ** 23n, 5n * 10n ** 23n, 9n * 10n ** 23n];
  const lines: string[] = [];
  for (const rr of ratios) {
    for (const d of buys) lines.push(`[uint256(0), ${rr}, ${d}, ${exactPurchase(S, R, rr, d)}]`);
    for (const t of sells) lines.push(`[uint256(1), ${rr}, ${t}, ${exactSale(S, R, rr, t)}]`);
  }
  return `// S = 1e24, R = 5e9; [kind (0 buy, 1 sell), ratioPpm, amountIn, exact floor(amountOut)]\n${lines.join(',\n')}\n`;
}

if (process.argv.includes('--reference')) {
  process.stdout.write(referenceTable());
} else {
  const adaptive = simulate(true);
  const fixed = simulate(false);
  const before = SPIKE_START - WARMUP - 1;
  const result = {
    maxStep: MAX_STEP,
    maxDeviationAdaptive: Number(maxDeviation(adaptive.prices).toFixed(4)),
    maxDeviationFixed: Number(maxDeviation(fixed.prices).toFixed(4)),
    ratioBeforeSpike: Number((adaptive.ratios[before] as number).toFixed(3)),
    ratioPeak: Number(Math.max(...adaptive.ratios).toFixed(3)),
    // The room a raise needs: the virtual share of the formula supply (a raise to rr' needs V/S ≥ 1 − k'/k).
    virtualShareBeforeSpike: Number((adaptive.virtualShares[before] as number).toFixed(3)),
    virtualShareLowest: Number(Math.min(...adaptive.virtualShares).toFixed(6)),
    surplusAdaptive: Math.round(adaptive.surplus),
    surplusFixed: Math.round(fixed.surplus),
  };
  const out = join(dirname(fileURLToPath(import.meta.url)), '../docs/economics-spike.svg');
  if (!process.argv.includes('--no-svg'))
    writeFileSync(
      out,
      svg(
        [
          { name: 'adaptive ratio (IH factor)', color: '#2563eb', values: adaptive.prices },
          { name: 'fixed ratio 50 %', color: '#dc2626', values: fixed.prices },
        ],
        adaptive.ratios,
      ),
    );
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
