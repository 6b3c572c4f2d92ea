/**
 * Deploys the whole Bandex system to a chain and returns its deployment record:
 * reserve token (a TestDollar unless one is given), timelock, bonding curve (which deploys RBT),
 * governor, provider registry, payment channels, device budgets, the shielded pool (with its verifier and
 * Poseidon library) and the volume ledger (deployVolumeLedger.ts), each through the CREATE2 factory; then hands
 * the timelock to the governor and renounces the deployer's admin role, so no externally-owned
 * account controls anything afterwards. Re-running it on a chain where it already ran only
 * finishes what is missing.
 */
import { type Address, keccak256, stringToHex, zeroAddress } from 'viem';
import { type Logger, silentLogger } from '../log/logger.ts';
import { ABI_VERSION } from './abi/abiVersion.ts';
import { bandexGovernorAbi, bandexGovernorBytecode } from './abi/bandexGovernor.ts';
import { bandexTimelockAbi, bandexTimelockBytecode } from './abi/bandexTimelock.ts';
import { bondingCurveAbi, bondingCurveBytecode } from './abi/bondingCurve.ts';
import { deviceBudgetsAbi, deviceBudgetsBytecode } from './abi/deviceBudgets.ts';
import { paymentChannelsAbi, paymentChannelsBytecode } from './abi/paymentChannels.ts';
import { poolSpendVerifierAbi, poolSpendVerifierBytecode } from './abi/poolSpendVerifier.ts';
import { poseidonT3Abi, poseidonT3Bytecode } from './abi/poseidonT3.ts';
import { providerRegistryAbi, providerRegistryBytecode } from './abi/providerRegistry.ts';
import { shieldedPoolAbi, shieldedPoolBytecode, shieldedPoolLibraries } from './abi/shieldedPool.ts';
import { testDollarAbi, testDollarBytecode } from './abi/testDollar.ts';
import { sendTransaction } from './actions/sendTransaction.ts';
import type { ChainClient } from './chainClient.ts';
import { assertFactoryPresent, deployDeterministic, linkBytecode } from './deployDeterministic.ts';
import { DEPLOYMENT_FORMAT_VERSION, type Deployment } from './deployment.ts';
import {
  DEPLOY_PRESETS,
  type DeployParameters,
  POOL_DENOMINATIONS,
  type PresetName,
  recordParameters,
} from './deployPresets.ts';
import { deployVolumeLedger } from './deployVolumeLedger.ts';

export type DeployBandexParameters = {
  client: ChainClient;
  /** The curve's reserve asset; omitted = deploy a TestDollar (devnets and testnets). */
  reserve?: Address;
  /** Which preset's parameters (default `devnet`); the deployment file records it. */
  preset?: PresetName;
  /** Parameters that differ from the preset's (the devnet's audit epoch, say); the record says `custom`. */
  overrides?: Partial<DeployParameters>;
  logger?: Logger;
};

/**
 * @example
 * const deployment = await deployBandex({ client }); // anvil's first account as deployer, devnet preset
 * await deployBandex({ client: l2, preset: 'production', reserve: usdc });
 * console.log(deployment.contracts.channels);
 */
export async function deployBandex({
  client,
  reserve,
  preset = 'devnet',
  overrides = {},
  logger = silentLogger,
}: DeployBandexParameters): Promise<Deployment> {
  const p: DeployParameters = { ...DEPLOY_PRESETS[preset], ...overrides };
  const deployer = client.account.address;
  await assertFactoryPresent(client);
  const deploymentBlock = Number(await client.getBlockNumber()) + 1;
  const salt = (name: string) => `bandex/${ABI_VERSION}/${name}`;

  const reserveToken =
    reserve ??
    (await deployDeterministic(client, {
      abi: testDollarAbi,
      bytecode: testDollarBytecode,
      args: [],
      salt: salt('TestDollar'),
    }));
  logger.info({ reserve: reserveToken }, 'reserve token');

  const timelock = await deployDeterministic(client, {
    abi: bandexTimelockAbi,
    bytecode: bandexTimelockBytecode,
    args: [p.timelockDelaySec, [], [zeroAddress], deployer],
    salt: salt('Timelock'),
  });
  const curve = await deployDeterministic(client, {
    abi: bondingCurveAbi,
    bytecode: bondingCurveBytecode,
    args: [
      reserveToken,
      timelock,
      timelock,
      p.virtualReserve,
      p.virtualSupply,
      p.reserveRatioPpm,
      p.minReserveRatioPpm,
      p.maxReserveRatioPpm,
      p.maxRatioStepPpm,
      p.demandEpochSec,
    ],
    salt: salt('BondingCurve'),
  });
  const token = await client.readContract({ address: curve, abi: bondingCurveAbi, functionName: 'token' });
  const governor = await deployDeterministic(client, {
    abi: bandexGovernorAbi,
    bytecode: bandexGovernorBytecode,
    args: [token, timelock, p.votingDelaySec, p.votingPeriodSec, p.proposalThreshold, p.quorumPercent],
    salt: salt('Governor'),
  });
  const registry = await deployDeterministic(client, {
    abi: providerRegistryAbi,
    bytecode: providerRegistryBytecode,
    args: [
      token,
      timelock,
      curve,
      {
        minStake: p.minStake,
        auditorMinStake: p.auditorMinStake,
        unbondingDelay: p.unbondingDelaySec,
        committeeSize: p.committeeSize,
        quorumBps: p.quorumBps,
        slashBps: p.slashBps,
        slashBurnBps: p.slashBurnBps,
        epochLength: p.auditEpochSec,
        disputeWindow: p.disputeWindowSec,
      },
    ],
    salt: salt('ProviderRegistry'),
  });
  const channels = await deployDeterministic(client, {
    abi: paymentChannelsAbi,
    bytecode: paymentChannelsBytecode,
    args: [token, timelock, timelock, p.feeBps, p.challengePeriodSec, curve],
    salt: salt('PaymentChannels'),
  });
  const budgets = await deployDeterministic(client, {
    abi: deviceBudgetsAbi,
    bytecode: deviceBudgetsBytecode,
    args: [token, channels],
    salt: salt('DeviceBudgets'),
  });
  const pool = await deployShieldedPool(client, { token, channels, salt });
  const volumeLedger = await deployVolumeLedger(client, { channels, epochLength: p.auditEpochSec, salt });
  logger.info(
    { token, curve, registry, channels, budgets, pool, volumeLedger, governor, timelock },
    'contracts deployed',
  );

  await handTimelockToGovernor(client, timelock, governor);
  return {
    format: DEPLOYMENT_FORMAT_VERSION,
    chainId: await client.getChainId(),
    deploymentBlock,
    abiVersion: ABI_VERSION,
    deployer,
    contracts: {
      token,
      curve,
      reserve: reserveToken,
      registry,
      channels,
      governor,
      timelock,
      budgets,
      pool,
      volumeLedger,
    },
    preset: Object.keys(overrides).length === 0 ? preset : 'custom',
    parameters: recordParameters(p),
  };
}

/**
 * The shielded pool, its generated Groth16 verifier and the Poseidon library its Lean IMT calls (PoseidonT3's
 * `hash` is a `public` library function: the pool's bytecode is linked to the deployed library).
 */
async function deployShieldedPool(
  client: ChainClient,
  { token, channels, salt }: { token: Address; channels: Address; salt: (name: string) => string },
): Promise<Address> {
  const poseidon = await deployDeterministic(client, {
    abi: poseidonT3Abi,
    bytecode: poseidonT3Bytecode,
    args: [],
    salt: salt('PoseidonT3'),
  });
  const verifier = await deployDeterministic(client, {
    abi: poolSpendVerifierAbi,
    bytecode: poolSpendVerifierBytecode,
    args: [],
    salt: salt('PoolSpendVerifier'),
  });
  return deployDeterministic(client, {
    abi: shieldedPoolAbi,
    bytecode: linkBytecode(shieldedPoolBytecode, shieldedPoolLibraries, { PoseidonT3: poseidon }),
    args: [token, channels, verifier, [...POOL_DENOMINATIONS]],
    salt: salt('ShieldedPool'),
  });
}

const PROPOSER_ROLE = keccak256(stringToHex('PROPOSER_ROLE'));
const CANCELLER_ROLE = keccak256(stringToHex('CANCELLER_ROLE'));
const DEFAULT_ADMIN_ROLE = `0x${'00'.repeat(32)}` as const;

/** Governor becomes the only proposer and canceller; the deployer gives up the admin role. */
async function handTimelockToGovernor(client: ChainClient, timelock: Address, governor: Address): Promise<void> {
  const deployer = client.account.address;
  const hasRole = (role: `0x${string}`, account: Address) =>
    client.readContract({
      address: timelock,
      abi: bandexTimelockAbi,
      functionName: 'hasRole',
      args: [role, account],
    });
  const write = (functionName: 'grantRole' | 'renounceRole', role: `0x${string}`, account: Address) =>
    sendTransaction(client, {
      address: timelock,
      abi: bandexTimelockAbi,
      functionName,
      args: [role, account],
      label: `${functionName} on the timelock`,
    });
  if (!(await hasRole(PROPOSER_ROLE, governor))) await write('grantRole', PROPOSER_ROLE, governor);
  if (!(await hasRole(CANCELLER_ROLE, governor))) await write('grantRole', CANCELLER_ROLE, governor);
  if (await hasRole(DEFAULT_ADMIN_ROLE, deployer)) await write('renounceRole', DEFAULT_ADMIN_ROLE, deployer);
}
