/**
 * A device's on-chain budget (`DeviceBudgets.deviceOf`) and its owner's balance: who owns it (the zero address
 * when it is not named), its budget per period, what it can still spend in the current one, and what the owner
 * has left to fund all its devices' channels.
 */
import type { Address } from 'viem';
import { readContract } from 'viem/actions';
import { deviceBudgetsAbi } from '../abi/deviceBudgets.ts';
import type { ReadClient } from '../chainClient.ts';
import type { Deployment } from '../deployment.ts';

export type ReadDeviceBudgetParameters = { deployment: Deployment; device: Address };
export type ReadDeviceBudgetReturnType = {
  owner: Address;
  /** RBT wei per period. */
  budget: bigint;
  periodSec: number;
  /** RBT wei the device can still spend this period. */
  available: bigint;
  /** RBT wei in the owner's balance (0 for a device nobody named). */
  ownerBalance: bigint;
};

/**
 * @example
 * const { owner, available } = await readDeviceBudget(client, { deployment, device });
 */
export async function readDeviceBudget(
  client: ReadClient,
  { deployment, device }: ReadDeviceBudgetParameters,
): Promise<ReadDeviceBudgetReturnType> {
  const address = deployment.contracts.budgets;
  const [d, available] = await readContract(client, {
    address,
    abi: deviceBudgetsAbi,
    functionName: 'deviceOf',
    args: [device],
  });
  const ownerBalance = /^0x0{40}$/.test(d.owner)
    ? 0n
    : await readContract(client, { address, abi: deviceBudgetsAbi, functionName: 'balanceOf', args: [d.owner] });
  return { owner: d.owner, budget: d.budget, periodSec: Number(d.period), available, ownerBalance };
}
