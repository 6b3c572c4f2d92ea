/**
 * @deprecated Compatibility for callers not yet converted (provider/startProvider.ts,
 * client/joinAsClient.ts, api/readNetworkView.ts): use `readProvider(client, { deployment, provider })`
 * from `./actions/readProvider.ts`. Delete this file once they have switched.
 */
import type { Address } from 'viem';
import { type ProviderRecord, readProvider as readProviderAction } from './actions/readProvider.ts';
import type { ReadClient } from './chainClient.ts';
import type { Deployment } from './deployment.ts';

export type { ProviderRecord } from './actions/readProvider.ts';

/** @deprecated see the module comment. */
export function readProvider(client: ReadClient, deployment: Deployment, provider: Address): Promise<ProviderRecord> {
  return readProviderAction(client, { deployment, provider });
}
