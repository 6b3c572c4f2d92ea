/**
 * The parameters every Bandex deployment is born with, in one place: three presets (`bandex deploy
 * --preset devnet|testnet|production`), documented in docs/operations.md. Governance can change most of
 * them later, within the bounds the contracts enforce; the audit epoch is fixed at deployment. The
 * deployment file records the preset and every value used (`recordParameters`).
 */

/** Every parameter the contracts are born with; governance can change them later within bounds. */
export type DeployParameters = {
  timelockDelaySec: bigint;
  votingDelaySec: number;
  votingPeriodSec: number;
  proposalThreshold: bigint;
  quorumPercent: bigint;
  /** Opening formula reserve (reserve units) and supply (RBT wei): they set the opening price. */
  virtualReserve: bigint;
  virtualSupply: bigint;
  reserveRatioPpm: bigint;
  minReserveRatioPpm: bigint;
  maxReserveRatioPpm: bigint;
  maxRatioStepPpm: bigint;
  demandEpochSec: bigint;
  minStake: bigint;
  auditorMinStake: bigint;
  unbondingDelaySec: bigint;
  /** Auditors drawn per provider and epoch, and the share of them a slash needs (bps, rounded up, ≥ 2). */
  committeeSize: bigint;
  quorumBps: bigint;
  /** Audit epoch (s): reports, committees and slashes are per epoch; fixed at deployment. */
  auditEpochSec: bigint;
  /** How long a proposed slash waits for a dispute before stake moves (s, at least one epoch). */
  disputeWindowSec: bigint;
  slashBps: bigint;
  slashBurnBps: bigint;
  feeBps: bigint;
  challengePeriodSec: bigint;
};

const RBT = 10n ** 18n;
const DOLLAR = 10n ** 6n;

/** Short periods so that a whole lifecycle fits in a test or a demo minute. Opening price 0.01 $/RBT. */
export const devnetParameters: DeployParameters = {
  timelockDelaySec: 60n,
  votingDelaySec: 1,
  votingPeriodSec: 60,
  proposalThreshold: 0n,
  quorumPercent: 4n,
  virtualReserve: 5_000n * DOLLAR,
  virtualSupply: 1_000_000n * RBT,
  reserveRatioPpm: 500_000n,
  minReserveRatioPpm: 100_000n,
  maxReserveRatioPpm: 900_000n,
  maxRatioStepPpm: 20_000n,
  demandEpochSec: 60n,
  minStake: 1_000n * RBT,
  auditorMinStake: 1_000n * RBT,
  unbondingDelaySec: 86_400n,
  committeeSize: 5n,
  quorumBps: 6_666n,
  auditEpochSec: 20n,
  disputeWindowSec: 20n,
  slashBps: 1_000n,
  slashBurnBps: 9_000n,
  feeBps: 100n,
  challengePeriodSec: 3_600n,
};

/**
 * A public test network: real periods scaled down so a lifecycle fits an afternoon (an hour of timelock,
 * five-minute audit epochs), a proposal threshold so governance is not free.
 */
const testnetParameters: DeployParameters = {
  ...devnetParameters,
  timelockDelaySec: 3_600n,
  votingDelaySec: 300,
  votingPeriodSec: 3_600,
  proposalThreshold: 1_000n * RBT,
  demandEpochSec: 3_600n,
  unbondingDelaySec: 86_400n,
  challengePeriodSec: 3_600n,
  auditEpochSec: 300n,
  disputeWindowSec: 1_800n,
};

/** Periods for a real chain: a day to challenge, a week to unbond, two days of timelock. */
const productionParameters: DeployParameters = {
  ...devnetParameters,
  timelockDelaySec: 2n * 86_400n,
  votingDelaySec: 86_400,
  votingPeriodSec: 5 * 86_400,
  proposalThreshold: 10_000n * RBT,
  demandEpochSec: 86_400n,
  unbondingDelaySec: 7n * 86_400n,
  challengePeriodSec: 86_400n,
  committeeSize: 7n,
  auditEpochSec: 3_600n,
  disputeWindowSec: 86_400n,
};

/**
 * The shielded pool's deposit sizes, RBT wei (1, 10 and 100 RBT), on every preset: each is its own anonymity set,
 * so fewer sizes make larger sets; three cover a client's spending range without forcing many deposits.
 */
export const POOL_DENOMINATIONS = [10n ** 18n, 10n ** 19n, 10n ** 20n] as const;

export const PRESET_NAMES = ['devnet', 'testnet', 'production'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

export const DEPLOY_PRESETS: Record<PresetName, DeployParameters> = {
  devnet: devnetParameters,
  testnet: testnetParameters,
  production: productionParameters,
};

/** The parameters as the deployment file keeps them: every value a decimal string. */
export function recordParameters(p: DeployParameters): Record<keyof DeployParameters, string> {
  return Object.fromEntries(Object.entries(p).map(([k, v]) => [k, String(v)])) as Record<
    keyof DeployParameters,
    string
  >;
}
