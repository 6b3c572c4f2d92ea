/**
 * Sending a transaction from the CLI: simulate (so a revert is reported with the contract's own error
 * and a hint, before anything is signed), send, and report progress on stderr — sent, hash, confirmed —
 * so that stdout stays clean for `--json`.
 */
import {
  type Abi,
  type Address,
  ContractFunctionRevertedError,
  erc20Abi,
  type Hash,
  type TransactionReceipt,
  BaseError as ViemBaseError,
} from 'viem';
import { bandexGovernorAbi } from '../chain/abi/bandexGovernor.ts';
import { bandwidthTokenAbi } from '../chain/abi/bandwidthToken.ts';
import { testDollarAbi } from '../chain/abi/testDollar.ts';
import type { ChainClient } from '../chain/chainClient.ts';
import { BaseError } from '../errors/BaseError.ts';

/** Gas headroom as in src/chain/sendAndWait.ts: the curve may apply a pending epoch update lazily. */
const GAS_HEADROOM = 150_000n;

/** What to do about a contract error, by its name. */
const HINTS: Record<string, string> = {
  ERC20InsufficientBalance: 'the wallet holds too little; check with `bandex wallet show`',
  ERC20InsufficientAllowance: 'the allowance is too small; run the command again',
  SlippageExceeded: 'the price moved; run again, or allow more with --slippage',
  InsufficientStake: 'a provider must keep at least the minimum stake bonded (see `bandex wallet show`)',
  InsufficientBonded: 'you cannot unbond more than is bonded (see `bandex wallet show`)',
  NotRegistered: 'register first with `bandex stake AMOUNT --peer-id ID`',
  AlreadyRegistered: 'the wallet is already a provider; `bandex stake AMOUNT` adds stake',
  UnbondingNotReady: 'wait until the unbonding period is over, then run `bandex unstake --withdraw` again',
  NothingToWithdraw: 'nothing is unbonding; start with `bandex unstake AMOUNT`',
  ChannelNotFound: 'no open channel has that id; see `bandex channel list`',
  NotPayer: 'only the payer of a channel can close it',
  AlreadyClosing: 'the close has started; run `bandex channel settle ID` after the challenge period',
  NotClosing: 'start the close with `bandex channel close ID` first',
  ChallengePeriodActive: 'the challenge period is still running; settle after it ends',
  FaucetCoolingDown: 'the test-dollar faucet gives once an hour per account',
  GovernorInsufficientProposerVotes: 'you need more votes to propose: buy RBT and `bandex gov delegate`',
  GovernorUnexpectedProposalState: 'the proposal is not in the state this step needs; see `bandex gov status ID`',
  GovernorAlreadyCastVote: 'this account has already voted on the proposal',
  GovernorNonexistentProposal: 'no proposal has that id; see `bandex gov status`',
};

/** Error items that may bubble up from a callee (the tokens, the governor), so they decode by name. */
const EXTRA_ERRORS = [...bandwidthTokenAbi, ...testDollarAbi, ...bandexGovernorAbi].filter(
  (item) => item.type === 'error',
);

export class ContractCallError extends BaseError<{ functionName: string; errorName?: string }> {
  override name = 'ContractCallError';
  constructor(label: string, errorName: string | undefined, args: readonly unknown[] | undefined, cause: unknown) {
    const call = errorName ? `${errorName}(${(args ?? []).map(String).join(', ')})` : shortReason(cause);
    super(`${label} would fail on chain: ${call}`, {
      code: 'CLI_CONTRACT_REVERT',
      details: (errorName && HINTS[errorName]) || 'nothing was sent; check the arguments and try again',
      meta: { functionName: label, errorName },
      cause,
    });
  }
}

export class TransactionFailedError extends BaseError<{ hash: string }> {
  override name = 'TransactionFailedError';
  constructor(label: string, hash: string) {
    super(`${label} reverted on chain (transaction ${hash})`, {
      code: 'CLI_TX_REVERTED',
      details: 'the chain state changed between check and inclusion; run the command again',
      meta: { hash },
    });
  }
}

export type ContractCall = {
  address: `0x${string}`;
  abi: Abi | readonly unknown[];
  functionName: string;
  args?: readonly unknown[];
};

/** Prints a progress line on stderr (never stdout). */
export function progress(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Simulates, sends and waits for `call`, reporting progress as `label`. */
export async function sendTx(client: ChainClient, call: ContractCall, label: string): Promise<TransactionReceipt> {
  const request = { ...call, abi: [...(call.abi as Abi), ...EXTRA_ERRORS] as Abi, account: client.account };
  let gas: bigint;
  try {
    await client.simulateContract({ ...request, chain: client.chain } as never);
    gas = await client.estimateContractGas(request as never);
  } catch (error) {
    throw asContractError(label, error);
  }
  progress(`${label}: sending`);
  const hash: Hash = await client.writeContract({
    ...request,
    chain: client.chain,
    gas: gas + gas / 5n + GAS_HEADROOM,
  } as never);
  progress(`${label}: sent ${hash}, waiting for confirmation`);
  const receipt = await client.waitForTransactionReceipt({ hash });
  if (receipt.status !== 'success') throw new TransactionFailedError(label, hash);
  progress(`${label}: confirmed in block ${receipt.blockNumber}`);
  return receipt;
}

/** Turns a viem simulation error into a one-line `ContractCallError` (other errors pass through). */
export function asContractError(label: string, error: unknown): unknown {
  if (!(error instanceof ViemBaseError)) return error;
  const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError) as
    | ContractFunctionRevertedError
    | undefined;
  if (reverted?.data?.errorName)
    return new ContractCallError(label, reverted.data.errorName, reverted.data.args, error);
  return new ContractCallError(label, reverted?.reason ?? undefined, undefined, error);
}

function shortReason(error: unknown): string {
  if (error instanceof ViemBaseError) return error.shortMessage.split('\n')[0] ?? 'unknown reason';
  return error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
}

/** Approves `spender` for `amount` of `token` unless the allowance already covers it (progress on stderr). */
export async function approveIfNeeded(
  wallet: ChainClient,
  { token, spender, amount, label }: { token: Address; spender: Address; amount: bigint; label: string },
): Promise<void> {
  const allowance = await wallet.readContract({
    address: token,
    abi: erc20Abi,
    functionName: 'allowance',
    args: [wallet.account.address, spender],
  });
  if (allowance < amount)
    await sendTx(wallet, { address: token, abi: erc20Abi, functionName: 'approve', args: [spender, amount] }, label);
}
