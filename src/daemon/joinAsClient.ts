/**
 * How a node that buys bandwidth — the client daemon, and an auditor, whose probes are ordinary paid
 * sessions — joins the network: a libp2p node in the `client` role (its peer key kept in `stateDir`), the
 * directory of providers' offers (checked against the registry, at least `minStakeWei` staked), and the
 * audit topic feeding a `ReputationBook`. The caller stops the three, gossip and directory before the node.
 * It lives in `daemon/`, below both daemons, so that neither imports the other.
 */
import { join } from 'node:path';
import { readProvider } from '../chain/actions/readProvider.ts';
import type { ChainClient } from '../chain/chainClient.ts';
import type { Deployment } from '../chain/deployment.ts';
import type { Logger } from '../log/logger.ts';
import { createBandexNode } from '../net/createBandexNode.ts';
import { loadOrCreatePeerKey } from '../net/loadOrCreatePeerKey.ts';
import { OfferDirectory } from '../net/OfferDirectory.ts';
import { type AuditGossipParameters, joinAuditGossip } from '../reputation/AuditGossip.ts';

export type JoinAsClientParameters = {
  client: ChainClient;
  deployment: Deployment;
  stateDir: string;
  listen: string[];
  bootstrap: string[];
  allowPrivateAddresses?: boolean;
  /** Peers the node neither dials nor accepts (`createBandexNode`): the current path's non-entry hops. */
  denyPeers?: ReadonlySet<string>;
  /** Connect to the bootstrap nodes only and accept no connection (`createBandexNode`): a client's node. */
  bootstrapOnly?: boolean;
  /** The registry's `minStake`: offers from providers with less are ignored. */
  minStakeWei: bigint;
  logger: Logger;
  onSlashSignature?: AuditGossipParameters['onSlashSignature'];
};

export async function joinAsClient(params: JoinAsClientParameters) {
  const { client, deployment, logger } = params;
  const { privateKey } = await loadOrCreatePeerKey(join(params.stateDir, 'peer.key'));
  const node = await createBandexNode({
    privateKey,
    listen: params.listen,
    bootstrap: params.bootstrap,
    role: 'client',
    allowPrivateAddresses: params.allowPrivateAddresses,
    denyPeers: params.denyPeers,
    bootstrapOnly: params.bootstrapOnly,
    logger,
  });
  const directory = new OfferDirectory({
    chainId: deployment.chainId,
    minStakeWei: params.minStakeWei,
    checkProvider: (provider) => readProvider(client, { deployment, provider }),
    logger,
  });
  directory.start(node);
  const { book, gossip, committees } = joinAuditGossip({
    node,
    client,
    deployment,
    logger,
    onSlashSignature: params.onSlashSignature,
  });
  return { node, directory, book, gossip, committees };
}
