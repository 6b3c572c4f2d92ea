/**
 * Buying RBT on the bonding curve: approves the reserve when needed and buys, optionally taking the
 * reserve from the devnet's TestDollar faucet first. What `bandex token buy` and the devnet use.
 */
import { parseEventLogs, type TransactionReceipt } from 'viem';
import { bondingCurveAbi } from '../abi/bondingCurve.ts';
import type { ChainClient } from '../chainClient.ts';
import type { Deployment } from '../deployment.ts';
import { approveIfNeeded } from './approveIfNeeded.ts';
import { type SendTransactionErrorType, sendTransaction, type TransactionOptions } from './sendTransaction.ts';
import { takeFaucet } from './takeFaucet.ts';

export type BuyRbtParameters = TransactionOptions & {
  deployment: Deployment;
  /** Reserve units to spend. */
  reserveIn: bigint;
  /** Revert if fewer RBT would be minted (slippage protection). */
  minTokensOut?: bigint;
  /** Take `reserveIn` from the TestDollar faucet first, as many times as it takes (devnet accounts only). */
  useFaucet?: boolean;
  /** Names the reserve's approval in progress reports, e.g. `approve tUSD`. */
  approveLabel?: string;
};
export type BuyRbtReturnType = {
  /** RBT wei minted, or undefined if the receipt carries no `Bought` event. */
  tokensOut: bigint | undefined;
  /** The curve's spot price after the buy (reserve base units per 1e18 RBT wei, scaled by 1e18). */
  spotPrice: bigint;
  receipt: TransactionReceipt;
};
export type BuyRbtErrorType = SendTransactionErrorType;

/**
 * @example
 * const { tokensOut } = await buyRbt(client, { deployment, reserveIn: 100_000_000n, minTokensOut });
 */
export async function buyRbt(
  client: ChainClient,
  {
    deployment,
    reserveIn,
    minTokensOut = 0n,
    useFaucet,
    label = 'buy RBT',
    approveLabel = 'approve reserve',
    onProgress,
  }: BuyRbtParameters,
): Promise<BuyRbtReturnType> {
  const { curve, reserve } = deployment.contracts;
  if (useFaucet) for (let got = 0n; got < reserveIn; ) got += await takeFaucet(client, { deployment, onProgress });
  await approveIfNeeded(client, { token: reserve, spender: curve, amount: reserveIn, label: approveLabel, onProgress });
  const receipt = await sendTransaction(client, {
    address: curve,
    abi: bondingCurveAbi,
    functionName: 'buy',
    args: [reserveIn, minTokensOut],
    label,
    onProgress,
  });
  const [bought] = parseEventLogs({ abi: bondingCurveAbi, logs: receipt.logs, eventName: 'Bought' });
  return { tokensOut: bought?.args.tokensOut, spotPrice: bought?.args.spotPrice ?? 0n, receipt };
}
