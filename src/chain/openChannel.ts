/**
 * @deprecated Compatibility for callers not yet converted (session/buildPath.ts): use
 * `openChannel(client, { deployment, payee, deposit, premiumBps })` from `./actions/openChannel.ts`.
 * Delete this file once they have switched.
 */
import type { Hex } from 'viem';
import { type OpenChannelParameters, openChannel as openChannelAction } from './actions/openChannel.ts';
import type { ChainClient } from './chainClient.ts';

/** @deprecated see the module comment. */
export async function openChannel({
  client,
  ...parameters
}: OpenChannelParameters & { client: ChainClient }): Promise<{ channelId: Hex }> {
  const { channelId } = await openChannelAction(client, parameters);
  return { channelId };
}
