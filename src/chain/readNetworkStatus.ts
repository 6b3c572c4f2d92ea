/**
 * @deprecated Compatibility for callers not yet converted (api/readNetworkView.ts): use
 * `readNetworkStatus(client, { deployment })` from `./actions/readNetworkStatus.ts`. Delete this file
 * once they have switched.
 */
import { type NetworkStatus, readNetworkStatus as readNetworkStatusAction } from './actions/readNetworkStatus.ts';
import type { ReadClient } from './chainClient.ts';
import type { Deployment } from './deployment.ts';

export type { NetworkStatus } from './actions/readNetworkStatus.ts';

/** @deprecated see the module comment. */
export function readNetworkStatus(client: ReadClient, deployment: Deployment): Promise<NetworkStatus> {
  return readNetworkStatusAction(client, { deployment });
}
