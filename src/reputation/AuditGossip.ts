/**
 * The audit topic (`/bandex/audit/1`) on a libp2p node: auditors publish their signed epoch reports
 * and their signatures over slash reports; everyone (clients, auditors, anyone) can listen and
 * recompute reputation. The topic validator forwards only messages signed by a registered auditor
 * with stake (checked on chain, cached); forged signatures and unstaked signers are rejected (the
 * forwarding peer's gossip score drops), duplicates are ignored.
 */
import { type Message, TopicValidatorResult } from '@libp2p/gossipsub';
import type { PeerId } from '@libp2p/interface';
import type { Address, Hex } from 'viem';
import { isStakedAuditor } from '../chain/actions/isStakedAuditor.ts';
import type { ChainClient } from '../chain/chainClient.ts';
import type { Deployment } from '../chain/deployment.ts';
import type { Logger } from '../log/logger.ts';
import type { BandexNode } from '../net/createBandexNode.ts';
import { type AuditMessage, decodeAuditMessage, encodeAuditMessage } from './auditMessages.ts';
import { type AuditDomain, type SignedAuditReport, verifyAuditReport } from './auditReport.ts';
import { ReputationBook } from './ReputationBook.ts';
import { recoverSlashSigner, type SlashReport } from './slashReport.ts';

export const AUDIT_TOPIC = '/bandex/audit/1';
/** How long an auditor's stake check is trusted. */
const AUDITOR_CHECK_TTL_MS = 60_000;

export type AuditGossipParameters = {
  node: BandexNode;
  domain: AuditDomain;
  book: ReputationBook;
  /** True when `address` is a registered auditor with at least the minimum stake. */
  isStakedAuditor: (address: Address) => Promise<boolean>;
  /** A quorum member's signature over a slash report arrived (auditors collect them). */
  onSlashSignature?: (slash: SlashReport, signer: Address, signature: Hex) => void;
  logger: Logger;
};

export class AuditGossip {
  readonly #params: AuditGossipParameters;
  readonly #checked = new Map<string, { ok: boolean; at: number }>();

  constructor(params: AuditGossipParameters) {
    this.#params = params;
  }

  start(): void {
    const { pubsub } = this.#params.node.services;
    pubsub.topicValidators.set(AUDIT_TOPIC, this.#validate);
    pubsub.subscribe(AUDIT_TOPIC);
  }

  stop(): void {
    const { pubsub } = this.#params.node.services;
    pubsub.unsubscribe(AUDIT_TOPIC);
    pubsub.topicValidators.delete(AUDIT_TOPIC);
  }

  async publishReport(signed: SignedAuditReport): Promise<void> {
    this.#params.book.add(signed);
    await this.#publish({ type: 'report', signed });
  }

  async publishSlashSignature(slash: SlashReport, signature: Hex): Promise<void> {
    await this.#publish({ type: 'slash', slash, signature });
  }

  async #publish(message: AuditMessage): Promise<void> {
    try {
      await this.#params.node.services.pubsub.publish(AUDIT_TOPIC, encodeAuditMessage(message));
    } catch (error) {
      // No peer subscribed yet: nothing to deliver to, not a failure of ours.
      if (!/NoPeersSubscribedToTopic|no peers/i.test(String((error as Error).message))) throw error;
    }
  }

  async #staked(address: Address): Promise<boolean> {
    const key = address.toLowerCase();
    const cached = this.#checked.get(key);
    if (cached && Date.now() - cached.at < AUDITOR_CHECK_TTL_MS) return cached.ok;
    const ok = await this.#params.isStakedAuditor(address);
    this.#checked.set(key, { ok, at: Date.now() });
    return ok;
  }

  #validate = async (_from: PeerId, message: Message): Promise<TopicValidatorResult> => {
    const { domain, book, logger } = this.#params;
    try {
      const decoded = decodeAuditMessage(message.data);
      if (decoded.type === 'report') {
        await verifyAuditReport(domain, decoded.signed);
        if (!(await this.#staked(decoded.signed.report.auditor))) throw new Error('report from an unstaked auditor');
        return book.add(decoded.signed) ? TopicValidatorResult.Accept : TopicValidatorResult.Ignore;
      }
      const signer = await recoverSlashSigner(domain, decoded.slash, decoded.signature);
      if (!(await this.#staked(signer))) throw new Error('slash signature from an unstaked auditor');
      this.#params.onSlashSignature?.(decoded.slash, signer, decoded.signature);
      return TopicValidatorResult.Accept;
    } catch (error) {
      logger.debug({ err: (error as Error).message }, 'audit message rejected');
      return TopicValidatorResult.Reject;
    }
  };
}

/**
 * What every daemon does to hear the audits: a fresh `ReputationBook` fed by the audit topic, whose
 * senders are checked against the registry of `deployment` through `client`.
 */
export function joinAuditGossip(params: {
  node: BandexNode;
  client: ChainClient;
  deployment: Deployment;
  logger: Logger;
  onSlashSignature?: AuditGossipParameters['onSlashSignature'];
}): { book: ReputationBook; gossip: AuditGossip } {
  const { node, client, deployment, logger, onSlashSignature } = params;
  const book = new ReputationBook();
  const gossip = new AuditGossip({
    node,
    domain: { chainId: deployment.chainId, registry: deployment.contracts.registry },
    book,
    isStakedAuditor: (who) => isStakedAuditor(client, { deployment, auditor: who }),
    onSlashSignature,
    logger,
  });
  gossip.start();
  return { book, gossip };
}
