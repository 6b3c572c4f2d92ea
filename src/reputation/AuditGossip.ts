/**
 * The audit topic (`/bandex/audit/1`) on a libp2p node: auditors publish their signed epoch reports
 * and their signatures over slash reports; everyone (clients, auditors, anyone) can listen and
 * recompute reputation. The topic validator forwards only messages signed by a member of the auditor
 * committee of the provider and epoch they concern (`CommitteeBook`, read on chain); forged signatures,
 * non-members and epochs without a committee are rejected (the forwarding peer's gossip score drops),
 * duplicates are ignored. So reputation's median is taken over the committee's reports only.
 */
import { type Message, TopicValidatorResult } from '@libp2p/gossipsub';
import type { PeerId } from '@libp2p/interface';
import type { Address, Hex } from 'viem';
import type { ChainClient } from '../chain/chainClient.ts';
import type { Deployment } from '../chain/deployment.ts';
import type { Logger } from '../log/logger.ts';
import type { BandexNode } from '../net/createBandexNode.ts';
import { type AuditMessage, decodeAuditMessage, encodeAuditMessage } from './auditMessages.ts';
import { type AuditDomain, type SignedAuditReport, verifyAuditReport } from './auditReport.ts';
import { CommitteeBook } from './CommitteeBook.ts';
import { ReputationBook } from './ReputationBook.ts';
import { recoverSlashSigner, type SlashReport } from './slashReport.ts';

export const AUDIT_TOPIC = '/bandex/audit/1';

export type AuditGossipParameters = {
  node: BandexNode;
  domain: AuditDomain;
  book: ReputationBook;
  /** The committees whose members may report and sign slashes. */
  committees: CommitteeBook;
  /** A quorum member's signature over a slash report arrived (auditors collect them). */
  onSlashSignature?: (slash: SlashReport, signer: Address, signature: Hex) => void;
  logger: Logger;
};

export class AuditGossip {
  readonly #params: AuditGossipParameters;

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

  #validate = async (_from: PeerId, message: Message): Promise<TopicValidatorResult> => {
    const { domain, book, committees, logger } = this.#params;
    try {
      const decoded = decodeAuditMessage(message.data);
      if (decoded.type === 'report') {
        await verifyAuditReport(domain, decoded.signed);
        const { auditor, provider, epoch } = decoded.signed.report;
        if (!(await committees.isMember(auditor, provider, epoch)))
          throw new Error('report from outside the committee');
        return book.add(decoded.signed) ? TopicValidatorResult.Accept : TopicValidatorResult.Ignore;
      }
      const signer = await recoverSlashSigner(domain, decoded.slash, decoded.signature);
      if (!(await committees.isMember(signer, decoded.slash.provider, decoded.slash.epoch)))
        throw new Error('slash signature from outside the committee');
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
 * senders are checked against the committees of the registry of `deployment`, read through `client`.
 */
export function joinAuditGossip(params: {
  node: BandexNode;
  client: ChainClient;
  deployment: Deployment;
  logger: Logger;
  onSlashSignature?: AuditGossipParameters['onSlashSignature'];
}): { book: ReputationBook; gossip: AuditGossip; committees: CommitteeBook } {
  const { node, client, deployment, logger, onSlashSignature } = params;
  const book = new ReputationBook();
  const committees = CommitteeBook.onChain(client, deployment.contracts.registry);
  const gossip = new AuditGossip({
    node,
    domain: { chainId: deployment.chainId, registry: deployment.contracts.registry },
    book,
    committees,
    onSlashSignature,
    logger,
  });
  gossip.start();
  return { book, gossip, committees };
}
