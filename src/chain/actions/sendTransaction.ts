/**
 * The one transaction pipeline of Bandex: simulate (so a revert surfaces as the contract's own custom
 * error, with its numbers and a hint, before anything is signed), estimate gas with headroom, send,
 * wait for the receipt, and report each stage through an optional callback (the CLI prints them on
 * stderr; daemons pass nothing). Every write action in this folder goes through it.
 */
import {
  type Abi,
  type ContractFunctionArgs,
  type ContractFunctionName,
  ContractFunctionRevertedError,
  type Hash,
  type TransactionReceipt,
  BaseError as ViemBaseError,
} from 'viem';
import { bandexGovernorAbi } from '../abi/bandexGovernor.ts';
import { bandwidthTokenAbi } from '../abi/bandwidthToken.ts';
import { testDollarAbi } from '../abi/testDollar.ts';
import type { ChainClient } from '../chainClient.ts';
import { CallRevertedError, TransactionRevertedError } from '../errors.ts';

/**
 * Gas added to every estimate: the bonding curve applies a pending epoch update lazily (up to ~100k gas)
 * in whichever transaction comes first after an epoch boundary, so a call's cost can grow between
 * estimate and inclusion. Unused gas is not charged.
 */
const GAS_HEADROOM = 150_000n;
/** And a fifth of the estimate on top, for state that changes the cost proportionally (loops, batches). */
const GAS_HEADROOM_DIVISOR = 5n;

/** Error items of the contracts a call may reach (the tokens, the governor), so their errors decode by name. */
const CALLEE_ERRORS = [...bandwidthTokenAbi, ...testDollarAbi, ...bandexGovernorAbi].filter(
  (item) => item.type === 'error',
);

/** A stage of a transaction, as reported to `onProgress`. */
export type TransactionProgress =
  | { stage: 'sending'; label: string }
  | { stage: 'sent'; label: string; hash: Hash }
  | { stage: 'confirmed'; label: string; hash: Hash; blockNumber: bigint };

/** What every write action accepts besides its own parameters. */
export type TransactionOptions = {
  /** Names the transaction in progress reports and errors, e.g. `buy RBT`; default: the function name. */
  label?: string;
  /** Called at each stage; must not throw. */
  onProgress?: (progress: TransactionProgress) => void;
};

export type SendTransactionParameters<
  abi extends Abi = Abi,
  functionName extends ContractFunctionName<abi, 'nonpayable' | 'payable'> = ContractFunctionName<
    abi,
    'nonpayable' | 'payable'
  >,
> = TransactionOptions & {
  address: `0x${string}`;
  abi: abi;
  functionName: functionName;
  args?: ContractFunctionArgs<abi, 'nonpayable' | 'payable', functionName>;
};

export type SendTransactionReturnType = TransactionReceipt;

/** A simulated revert (nothing sent), a mined revert, or the RPC's own error passed through. */
export type SendTransactionErrorType = CallRevertedError | TransactionRevertedError | Error;

/**
 * Simulates, sends and waits for one contract call from the client's account.
 *
 * @example
 * const receipt = await sendTransaction(client, {
 *   address: deployment.contracts.channels,
 *   abi: paymentChannelsAbi,
 *   functionName: 'settle',
 *   args: [channelId],
 *   label: 'settle channel',
 *   onProgress: (p) => console.error(p.stage),
 * });
 */
export async function sendTransaction<
  const abi extends Abi,
  functionName extends ContractFunctionName<abi, 'nonpayable' | 'payable'>,
>(client: ChainClient, parameters: SendTransactionParameters<abi, functionName>): Promise<SendTransactionReturnType> {
  const { label = String(parameters.functionName), onProgress, ...call } = parameters;
  const request = { ...call, abi: [...call.abi, ...CALLEE_ERRORS], account: client.account, chain: client.chain };
  let gas: bigint;
  try {
    await client.simulateContract(request as never);
    gas = await client.estimateContractGas(request as never);
  } catch (error) {
    throw decodeRevert(label, error);
  }
  onProgress?.({ stage: 'sending', label });
  const hash = await client.writeContract({ ...request, gas: withHeadroom(gas) } as never);
  onProgress?.({ stage: 'sent', label, hash });
  const receipt = await client.waitForTransactionReceipt({ hash });
  if (receipt.status !== 'success') throw new TransactionRevertedError({ label, hash });
  onProgress?.({ stage: 'confirmed', label, hash, blockNumber: receipt.blockNumber });
  return receipt;
}

export function withHeadroom(estimate: bigint): bigint {
  return estimate + estimate / GAS_HEADROOM_DIVISOR + GAS_HEADROOM;
}

/**
 * Turns viem's simulation error into a `CallRevertedError` when the contract reverted (decoded to its
 * custom error where the ABI knows it); any other error (the RPC unreachable, …) passes through.
 */
export function decodeRevert(label: string, error: unknown): unknown {
  if (!(error instanceof ViemBaseError)) return error;
  const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
  if (!(reverted instanceof ContractFunctionRevertedError)) return error;
  return new CallRevertedError({
    label,
    errorName: reverted.data?.errorName,
    errorArgs: reverted.data?.args,
    reason: reverted.reason ?? reverted.shortMessage.split('\n')[0],
    cause: error,
  });
}
