/**
 * Buying RBT on the bonding curve, with the devnet's TestDollar faucet as the source of reserve
 * when asked. What `bandex token buy` and the devnet use to fund accounts.
 */
import type { Address } from 'viem';
import { bondingCurveAbi } from './abi/bondingCurve.ts';
import { testDollarAbi } from './abi/testDollar.ts';
import type { ChainClient } from './chainClient.ts';
import type { Deployment } from './deployment.ts';
import { sendAndWait } from './sendAndWait.ts';

export type BuyRbtParameters = {
  client: ChainClient;
  deployment: Deployment;
  /** Reserve units to spend. */
  reserveIn: bigint;
  /** Revert if fewer RBT would be minted (slippage protection). */
  minTokensOut?: bigint;
  /** Take `reserveIn` from the TestDollar faucet first (devnet and testnets only). */
  useFaucet?: boolean;
};

/** Buys RBT for `reserveIn` reserve units; returns the RBT wei minted. */
export async function buyRbt({ client, deployment, reserveIn, minTokensOut = 0n, useFaucet }: BuyRbtParameters) {
  const { curve, reserve } = deployment.contracts;
  if (useFaucet) {
    const faucetAmount = await client.readContract({
      address: reserve,
      abi: testDollarAbi,
      functionName: 'FAUCET_AMOUNT',
    });
    for (let got = 0n; got < reserveIn; got += faucetAmount) {
      await sendAndWait(client, { address: reserve, abi: testDollarAbi, functionName: 'faucet' });
    }
  }
  await sendAndWait(client, {
    address: reserve,
    abi: testDollarAbi,
    functionName: 'approve',
    args: [curve as Address, reserveIn],
  });
  const quote = await client.readContract({
    address: curve,
    abi: bondingCurveAbi,
    functionName: 'quoteBuy',
    args: [reserveIn],
  });
  await sendAndWait(client, {
    address: curve,
    abi: bondingCurveAbi,
    functionName: 'buy',
    args: [reserveIn, minTokensOut],
  });
  return quote;
}
