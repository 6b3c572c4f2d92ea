/**
 * @deprecated Compatibility for callers not yet converted (audit/startAuditor.ts): use
 * `anchorReports(client, { deployment, epoch, digest, count })` from `./actions/anchorReports.ts`.
 * Delete this file once they have switched.
 */
import type { TransactionReceipt } from 'viem';
import { type AnchorReportsParameters, anchorReports as anchorReportsAction } from './actions/anchorReports.ts';
import type { ChainClient } from './chainClient.ts';

/** @deprecated see the module comment. */
export function anchorReports({
  client,
  ...parameters
}: AnchorReportsParameters & { client: ChainClient }): Promise<TransactionReceipt> {
  return anchorReportsAction(client, parameters);
}
