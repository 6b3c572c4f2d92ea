/**
 * Changes a registered provider's offer on chain — price, region, capacity — keeping what is not given
 * (read from the registry first). The registry allows one change per epoch (`OfferUpdateTooSoon`): a
 * provider cannot switch back and forth while clients choose and auditors measure. Sessions keep the price
 * they started with; the provider's daemon follows its record and re-signs its offers.
 */
import { stringToHex, type TransactionReceipt } from 'viem';
import { providerRegistryAbi } from '../abi/providerRegistry.ts';
import type { ChainClient } from '../chainClient.ts';
import type { Deployment } from '../deployment.ts';
import { InvalidArgumentError } from '../errors.ts';
import { type SendTransactionErrorType, sendTransaction, type TransactionOptions } from './sendTransaction.ts';

export type UpdateProviderParameters = TransactionOptions & {
  deployment: Deployment;
  priceWeiPerGiB?: bigint;
  /** ISO 3166-1 alpha-2 country code, e.g. `DE`. */
  region?: string;
  capacityBytesPerSecond?: number | bigint;
};
export type UpdateProviderReturnType = TransactionReceipt | undefined;
export type UpdateProviderErrorType = InvalidArgumentError | SendTransactionErrorType;

/**
 * Sends `updateProvider` when something differs from the record; `undefined` when nothing would change.
 * @example
 * await updateProvider(client, { deployment, priceWeiPerGiB: 2n * 10n ** 18n });
 */
export async function updateProvider(
  client: ChainClient,
  { deployment, label = 'update offer', onProgress, ...change }: UpdateProviderParameters,
): Promise<UpdateProviderReturnType> {
  if (change.region !== undefined && !/^[A-Z]{2}$/.test(change.region))
    throw new InvalidArgumentError({
      name: 'region',
      value: change.region,
      expected: 'a two-letter country code like DE',
    });
  const { registry } = deployment.contracts;
  const current = await client.readContract({
    address: registry,
    abi: providerRegistryAbi,
    functionName: 'getProvider',
    args: [client.account.address],
  });
  const price = change.priceWeiPerGiB ?? current.priceWeiPerGiB;
  const region = change.region === undefined ? current.region : stringToHex(change.region, { size: 2 });
  const capacity =
    change.capacityBytesPerSecond === undefined ? current.capacityBytesPerSec : BigInt(change.capacityBytesPerSecond);
  if (price === current.priceWeiPerGiB && region === current.region && capacity === current.capacityBytesPerSec)
    return undefined;
  return sendTransaction(client, {
    address: registry,
    abi: providerRegistryAbi,
    functionName: 'updateProvider',
    args: [current.peerId, price, region, capacity, current.metadata],
    label,
    onProgress,
  });
}
