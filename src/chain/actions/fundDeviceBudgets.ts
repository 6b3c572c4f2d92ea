/**
 * The owner's side of on-chain device budgets (`DeviceBudgets`): deposit RBT once, then name each device key
 * with a budget per period (or revoke it). Devices then spend only within their budgets (`openDeviceChannel`).
 */
import type { Address, TransactionReceipt } from 'viem';
import { deviceBudgetsAbi } from '../abi/deviceBudgets.ts';
import type { ChainClient } from '../chainClient.ts';
import type { Deployment } from '../deployment.ts';
import { approveIfNeeded } from './approveIfNeeded.ts';
import { type SendTransactionErrorType, sendTransaction, type TransactionOptions } from './sendTransaction.ts';

export type FundDeviceBudgetsParameters = TransactionOptions & {
  deployment: Deployment;
  /** RBT wei added to the owner's balance (0 = none). */
  deposit?: bigint;
  /** Devices to name or re-budget: RBT wei per `periodSec` seconds each. */
  devices?: readonly { device: Address; budget: bigint; periodSec: number }[];
  /** Devices to revoke. */
  revoke?: readonly Address[];
};
export type FundDeviceBudgetsErrorType = SendTransactionErrorType;

/**
 * @example
 * await fundDeviceBudgets(owner, { deployment, deposit: 100n * RBT, devices: [{ device, budget: 5n * RBT, periodSec: 86_400 }] });
 */
export async function fundDeviceBudgets(
  client: ChainClient,
  { deployment, deposit = 0n, devices = [], revoke = [], onProgress }: FundDeviceBudgetsParameters,
): Promise<TransactionReceipt[]> {
  const { budgets, token } = deployment.contracts;
  const receipts: TransactionReceipt[] = [];
  if (deposit > 0n) {
    await approveIfNeeded(client, { token, spender: budgets, amount: deposit, label: 'approve RBT', onProgress });
    receipts.push(
      await sendTransaction(client, {
        address: budgets,
        abi: deviceBudgetsAbi,
        functionName: 'deposit',
        args: [deposit],
        label: 'deposit into device budgets',
        onProgress,
      }),
    );
  }
  for (const { device, budget, periodSec } of devices) {
    receipts.push(
      await sendTransaction(client, {
        address: budgets,
        abi: deviceBudgetsAbi,
        functionName: 'setDevice',
        args: [device, budget, BigInt(periodSec)],
        label: `budget for device ${device}`,
        onProgress,
      }),
    );
  }
  for (const device of revoke) {
    receipts.push(
      await sendTransaction(client, {
        address: budgets,
        abi: deviceBudgetsAbi,
        functionName: 'revokeDevice',
        args: [device],
        label: `revoke device ${device}`,
        onProgress,
      }),
    );
  }
  return receipts;
}
