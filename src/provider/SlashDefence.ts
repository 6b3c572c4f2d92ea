/**
 * A provider's answer to slashes proposed against it: it watches the registry's `SlashProposed` events
 * naming it, rebuilds the evidence from the audit reports it heard on gossip (`findSlash` over the
 * committee's reports gives the same reports, hence the same evidence digest, that the committee signed),
 * and for each report whose probe session it holds a receipt for — signed by the report's probe payer,
 * acknowledging more than the report says was received — disputes the slash within the window
 * (`ProviderRegistry.disputeSlash`). One contradiction is enough: the slash is void and the lying auditor
 * loses stake. A slash the evidence of which it cannot rebuild, or holds no receipt against, is logged and
 * left to finalize. A provider jailed for being offline unjails itself once its jail epoch has come: it
 * is answering again.
 */
import { type Address, type Hex, parseEventLogs } from 'viem';
import type { Receipt } from '../accounting/receipt.ts';
import { providerRegistryAbi } from '../chain/abi/providerRegistry.ts';
import { disputeSlash } from '../chain/actions/disputeSlash.ts';
import { getProvider } from '../chain/actions/getProvider.ts';
import { readRegistryParameter } from '../chain/actions/readRegistryParameter.ts';
import { unjail } from '../chain/actions/unjail.ts';
import type { ChainClient } from '../chain/chainClient.ts';
import type { Deployment } from '../chain/deployment.ts';
import type { SerialWrites } from '../chain/serialWrites.ts';
import type { Component } from '../daemon/component.ts';
import type { Logger } from '../log/logger.ts';
import {
  type AuditDomain,
  type AuditReport,
  auditReportDigest,
  evidenceOf,
  onChainAuditReport,
} from '../reputation/auditReport.ts';
import type { CommitteeBook } from '../reputation/CommitteeBook.ts';
import type { ReputationBook } from '../reputation/ReputationBook.ts';
import { findSlash } from '../reputation/slashFinding.ts';

/** A receipt of one session countersigned by its payer (`ReceiptStore.latestFullySigned`): checkpoint
 * `seq` of the session, whose id is the receipt's `sessionId`. */
export type PayerSignedReceipt = { receipt: Receipt; seq: number; clientSignature: Hex; payer: Address };

/** How often a jailed provider checks whether it may leave jail. */
const JAIL_CHECK_MS = 10_000;

export type SlashDefenceParameters = {
  client: ChainClient;
  deployment: Deployment;
  domain: AuditDomain;
  provider: Address;
  book: ReputationBook;
  committees: CommitteeBook;
  /** The latest receipt of `sessionId` signed by its payer, if the provider holds one. */
  findReceipt: (sessionId: Hex) => PayerSignedReceipt | undefined;
  serialWrites: SerialWrites;
  logger: Logger;
  /** How often the registry's events are polled. */
  pollMs?: number;
};

export class SlashDefence implements Component {
  readonly #p: SlashDefenceParameters;
  #poll?: NodeJS.Timeout;
  #jailCheck?: NodeJS.Timeout;
  disputesWon = 0;

  constructor(params: SlashDefenceParameters) {
    this.#p = params;
  }

  start(): void {
    const { client, domain, provider, pollMs, logger } = this.#p;
    // Its own log poll (a block range at a time), not a node-side filter: nothing outlives `stop`, and a
    // restarted node or a lost filter loses no proposal.
    let from: bigint | undefined;
    let polling = false;
    const poll = async () => {
      if (polling) return;
      polling = true;
      try {
        const latest = await client.getBlockNumber();
        const start = from ?? latest;
        if (start > latest) return;
        const logs = await client.getContractEvents({
          address: domain.registry,
          abi: providerRegistryAbi,
          eventName: 'SlashProposed',
          args: { provider },
          fromBlock: start,
          toBlock: latest,
        });
        from = latest + 1n;
        for (const log of parseEventLogs({ abi: providerRegistryAbi, logs, eventName: 'SlashProposed' })) {
          const { id, epoch, evidence } = log.args;
          void this.answer(id, Number(epoch), evidence).catch((error: unknown) =>
            logger.warn({ err: error, id }, 'answering the slash failed'),
          );
        }
      } catch (error) {
        logger.warn({ err: error }, 'watching slash proposals failed');
      } finally {
        polling = false;
      }
    };
    this.#poll = setInterval(() => void poll(), pollMs ?? 1_000);
    void poll();
    const check = () =>
      void this.unjailIfDue().catch((error: unknown) => logger.warn({ err: error }, 'unjailing failed'));
    check();
    this.#jailCheck = setInterval(check, JAIL_CHECK_MS);
  }

  stop(): void {
    clearInterval(this.#poll);
    clearInterval(this.#jailCheck);
  }

  /** Leaves jail once the jail epoch has come; true when it did. */
  async unjailIfDue(): Promise<boolean> {
    const { client, deployment, provider, serialWrites, logger } = this.#p;
    const { jailedUntil } = await getProvider(client, { deployment, provider });
    if (jailedUntil === 0n) return false;
    const epoch = await readRegistryParameter(client, { deployment, name: 'currentEpoch' });
    if (epoch < jailedUntil) return false;
    await serialWrites(() => unjail(client, { registry: deployment.contracts.registry }));
    logger.info({ provider }, 'unjailed: answering again');
    return true;
  }

  /** Disputes the slash `id` of `epoch` if the provider's receipts contradict one of its reports. */
  async answer(id: Hex, epoch: number, evidence: Hex): Promise<boolean> {
    const { client, domain, provider, findReceipt, serialWrites, logger } = this.#p;
    const reports = await this.#evidence(epoch, evidence);
    if (!reports) {
      logger.warn({ id, epoch }, 'slash proposed: its evidence is not among the reports heard');
      return false;
    }
    const ordered = [...reports].sort((a, b) => {
      const [x, y] = [BigInt(auditReportDigest(domain, a)), BigInt(auditReportDigest(domain, b))];
      return x < y ? -1 : x > y ? 1 : 0;
    });
    for (const [index, report] of ordered.entries()) {
      const held = findReceipt(report.probeSession);
      if (!held || held.payer.toLowerCase() !== report.probePayer.toLowerCase()) continue;
      if (held.receipt.bytesDown <= BigInt(report.bytesReceived)) continue;
      await serialWrites(() =>
        disputeSlash(client, {
          registry: domain.registry,
          id,
          reports: ordered.map(onChainAuditReport),
          index,
          checkpoint: held.seq,
          receipt: held.receipt,
          payerSignature: held.clientSignature,
        }),
      );
      this.disputesWon++;
      logger.info(
        { id, epoch, auditor: report.auditor, reported: report.bytesReceived, receipt: held.receipt.bytesDown },
        'slash disputed: a probe payer signed for more than its auditor reported',
      );
      return true;
    }
    logger.info({ id, epoch, provider }, 'slash proposed: no receipt contradicts its reports');
    return false;
  }

  /** The committee's reports whose digest is `evidence`, rebuilt as the committee did. */
  async #evidence(epoch: number, evidence: Hex): Promise<AuditReport[] | undefined> {
    const { domain, provider, book, committees } = this.#p;
    const committee = await committees.committee(provider, epoch);
    if (!committee) return undefined;
    const members = new Set(committee.members.map((m) => m.toLowerCase()));
    const heard = book.reports().filter((r) => members.has(r.auditor.toLowerCase()));
    const finding = findSlash(heard, provider, epoch, committee.quorum);
    if (!finding || evidenceOf(domain, finding.reports) !== evidence) return undefined;
    return finding.reports;
  }
}
