/**
 * @deprecated Compatibility for callers not yet converted (audit/AuditGossip.ts, audit/startAuditor.ts):
 * use `isStakedAuditor(client, { deployment, auditor })` from `./actions/isStakedAuditor.ts`. Delete this
 * file once they have switched.
 */
import type { Address } from 'viem';
import { isStakedAuditor as isStakedAuditorAction } from './actions/isStakedAuditor.ts';
import type { ReadClient } from './chainClient.ts';
import type { Deployment } from './deployment.ts';

/** @deprecated see the module comment. */
export function isStakedAuditor(client: ReadClient, deployment: Deployment, who: Address): Promise<boolean> {
  return isStakedAuditorAction(client, { deployment, auditor: who });
}
