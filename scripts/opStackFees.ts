/**
 * The L1 data fee of transactions on an OP-stack rollup, computed by the real thing: Optimism's own
 * `GasPriceOracle` and `L1Block` predeploys (bytecode from the npm package `@eth-optimism/contracts-bedrock`,
 * Fjord rules: the fee follows the FastLZ-compressed size of the signed transaction) installed at their
 * addresses in a local anvil (`--network optimism`), with the L1 prices of a scenario written into `L1Block`.
 * `npm run gas` uses it to report, per operation, L2 execution gas next to the L1 data cost.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import {
  type Address,
  createTestClient,
  type Hex,
  http,
  numberToHex,
  type PublicClient,
  pad,
  serializeTransaction,
  type TransactionSerializable,
} from 'viem';

const GAS_PRICE_ORACLE: Address = '0x420000000000000000000000000000000000000F';
const L1_BLOCK: Address = '0x4200000000000000000000000000000000000015';

const gasPriceOracleAbi = [
  {
    type: 'function',
    name: 'getL1Fee',
    stateMutability: 'view',
    inputs: [{ name: '_data', type: 'bytes' }],
    outputs: [{ name: '', type: 'uint256' }],
  },
  {
    type: 'function',
    name: 'getL1GasUsed',
    stateMutability: 'view',
    inputs: [{ name: '_data', type: 'bytes' }],
    outputs: [{ name: '', type: 'uint256' }],
  },
] as const;

/** L1 prices an OP-stack chain charges its users for posting their transactions to L1 (Ecotone/Fjord). */
export type L1Scenario = {
  name: string;
  /** L1 execution base fee, wei. */
  l1BaseFee: bigint;
  /** L1 blob base fee, wei. */
  blobBaseFee: bigint;
  /** The chain's scalars (OP Mainnet's since Ecotone: 5,227 and 1,014,213). */
  baseFeeScalar: number;
  blobBaseFeeScalar: number;
};

export const L1_SCENARIOS: readonly L1Scenario[] = [
  {
    name: 'quiet L1 (5 gwei, blobs 1 wei)',
    l1BaseFee: 5n * 10n ** 9n,
    blobBaseFee: 1n,
    baseFeeScalar: 5_227,
    blobBaseFeeScalar: 1_014_213,
  },
  {
    name: 'busy L1 (30 gwei, blobs 10 gwei)',
    l1BaseFee: 30n * 10n ** 9n,
    blobBaseFee: 10n * 10n ** 9n,
    baseFeeScalar: 5_227,
    blobBaseFeeScalar: 1_014_213,
  },
];

function deployedBytecode(contract: string): Hex {
  const require = createRequire(import.meta.url);
  const file = require.resolve(`@eth-optimism/contracts-bedrock/forge-artifacts/${contract}.sol/${contract}.json`);
  return JSON.parse(readFileSync(file, 'utf8')).deployedBytecode.object as Hex;
}

/** Installs the two predeploys (once) and sets `scenario`'s L1 prices (storage layout of L1Block, Fjord on). */
export async function installL1Fees(rpcUrl: string, scenario: L1Scenario): Promise<void> {
  const test = createTestClient({ mode: 'anvil', transport: http(rpcUrl) });
  await test.setCode({ address: GAS_PRICE_ORACLE, bytecode: deployedBytecode('GasPriceOracle') });
  await test.setCode({ address: L1_BLOCK, bytecode: deployedBytecode('L1Block') });
  // GasPriceOracle slot 0: isEcotone (byte 0) and isFjord (byte 1).
  await test.setStorageAt({ address: GAS_PRICE_ORACLE, index: 0, value: pad('0x0101') });
  // L1Block slot 1: basefee; slot 3: sequenceNumber (bytes 0-7) | blobBaseFeeScalar (8-11) | baseFeeScalar (12-15);
  // slot 7: blobBaseFee.
  await test.setStorageAt({ address: L1_BLOCK, index: 1, value: pad(numberToHex(scenario.l1BaseFee)) });
  const packed = (BigInt(scenario.baseFeeScalar) << 96n) | (BigInt(scenario.blobBaseFeeScalar) << 64n);
  await test.setStorageAt({ address: L1_BLOCK, index: 3, value: pad(numberToHex(packed)) });
  await test.setStorageAt({ address: L1_BLOCK, index: 7, value: pad(numberToHex(scenario.blobBaseFee)) });
}

/** The L1 data fee (wei) the rollup charges for a mined transaction, as its GasPriceOracle computes it. */
export async function l1FeeOf(client: PublicClient, hash: Hex): Promise<bigint> {
  const tx = await client.getTransaction({ hash });
  // The oracle takes the unsigned RLP and adds the signature's 68 bytes itself (Fjord's `getL1Fee`).
  const unsigned: TransactionSerializable = {
    type: 'eip1559',
    chainId: tx.chainId ?? (await client.getChainId()),
    nonce: tx.nonce,
    to: tx.to ?? undefined,
    value: tx.value,
    data: tx.input,
    gas: tx.gas,
    maxFeePerGas: tx.maxFeePerGas,
    maxPriorityFeePerGas: tx.maxPriorityFeePerGas,
    accessList: tx.accessList,
  };
  return client.readContract({
    address: GAS_PRICE_ORACLE,
    abi: gasPriceOracleAbi,
    functionName: 'getL1Fee',
    args: [serializeTransaction(unsigned)],
  });
}
