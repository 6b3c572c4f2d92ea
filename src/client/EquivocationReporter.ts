/**
 * The client's answer to a provider that signed two different receipts for one checkpoint
 * (`session/signReceipts` finds them): it submits both to `ProviderRegistry.slashEquivocation`, once per
 * checkpoint, through the account's one transaction queue. The reward goes to this client. A revert (the
 * checkpoint already slashed by someone else, say) is logged; the evidence stays in the receipt store.
 */
import type { Address, Hex } from 'viem';
import { slashEquivocation } from '../chain/actions/slashEquivocation.ts';
import type { ChainClient } from '../chain/chainClient.ts';
import type { SerialWrites } from '../chain/serialWrites.ts';
import { codeOf } from '../errors/codeOf.ts';
import type { Logger } from '../log/logger.ts';
import type { Equivocation } from '../session/signReceipts.ts';

export type EquivocationReporterParameters = {
  client: ChainClient;
  registry: Address;
  serialWrites: SerialWrites;
  logger: Logger;
};

export type EquivocationReport = { provider: Address; checkpoint: Hex; transaction?: Hex; error?: string };

export class EquivocationReporter {
  readonly #p: EquivocationReporterParameters;
  readonly #submitted = new Map<string, Promise<EquivocationReport>>();

  constructor(params: EquivocationReporterParameters) {
    this.#p = params;
  }

  /** Submits `evidence` (once per checkpoint); resolves with the transaction or the error. */
  report(evidence: Equivocation): Promise<EquivocationReport> {
    const checkpoint = evidence.a.sessionId.toLowerCase() as Hex;
    const known = this.#submitted.get(checkpoint);
    if (known) return known;
    const { client, registry, serialWrites, logger } = this.#p;
    const { provider } = evidence;
    logger.warn({ provider, checkpoint }, 'provider equivocated; submitting slashEquivocation');
    const submitted = serialWrites(() => slashEquivocation(client, { registry, ...evidence })).then(
      (receipt) => {
        logger.info({ provider, checkpoint, tx: receipt.transactionHash }, 'equivocation slashed');
        return { provider, checkpoint, transaction: receipt.transactionHash };
      },
      (error: unknown) => {
        logger.warn({ provider, checkpoint, code: codeOf(error), err: error }, 'slashEquivocation failed');
        return { provider, checkpoint, error: codeOf(error) ?? String(error) };
      },
    );
    this.#submitted.set(checkpoint, submitted);
    return submitted;
  }

  /** Every submission so far, settled. */
  reports(): Promise<EquivocationReport[]> {
    return Promise.all(this.#submitted.values());
  }
}
