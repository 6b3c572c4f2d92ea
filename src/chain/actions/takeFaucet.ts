/** Takes the devnet TestDollar faucet's fixed amount into the account (once per cool-down). */
import { readContract } from 'viem/actions';
import { testDollarAbi } from '../abi/testDollar.ts';
import type { ChainClient } from '../chainClient.ts';
import type { Deployment } from '../deployment.ts';
import { type SendTransactionErrorType, sendTransaction, type TransactionOptions } from './sendTransaction.ts';

export type TakeFaucetParameters = TransactionOptions & { deployment: Deployment };
/** Reserve base units received. */
export type TakeFaucetReturnType = bigint;
export type TakeFaucetErrorType = SendTransactionErrorType;

/**
 * @example
 * await takeFaucet(client, { deployment, label: 'faucet tUSD', onProgress });
 */
export async function takeFaucet(
  client: ChainClient,
  { deployment, label = 'faucet', onProgress }: TakeFaucetParameters,
): Promise<TakeFaucetReturnType> {
  const reserve = deployment.contracts.reserve;
  const amount = await readContract(client, { address: reserve, abi: testDollarAbi, functionName: 'FAUCET_AMOUNT' });
  await sendTransaction(client, { address: reserve, abi: testDollarAbi, functionName: 'faucet', label, onProgress });
  return amount;
}
