/** An ERC-20's symbol and decimals, to print and parse its amounts (the reserve token's vary by chain). */
import { type Address, erc20Abi } from 'viem';
import { readContract } from 'viem/actions';
import type { ReadClient } from '../chainClient.ts';

export type ReadTokenMetadataParameters = { token: Address };
export type ReadTokenMetadataReturnType = { symbol: string; decimals: number };
export type ReadTokenMetadataErrorType = Error;

/**
 * @example
 * const { symbol, decimals } = await readTokenMetadata(client, { token: deployment.contracts.reserve });
 */
export async function readTokenMetadata(
  client: ReadClient,
  { token }: ReadTokenMetadataParameters,
): Promise<ReadTokenMetadataReturnType> {
  const [symbol, decimals] = await Promise.all([
    readContract(client, { address: token, abi: erc20Abi, functionName: 'symbol' }),
    readContract(client, { address: token, abi: erc20Abi, functionName: 'decimals' }),
  ]);
  return { symbol, decimals };
}
