/**
 * The devnet's `blackhole-customers` fault (`bandex devnet --faulty blackhole-customers`): a provider that
 * serves every session that looks like an auditor's probe and black-holes every other one, to show that
 * probes it cannot recognise catch it anyway. For each session it reads what it can see of the payer
 * (`readSessionFeatures`) and serves it when `looksLikeAuditor`; otherwise it stops reading and writing
 * the session's tunnel socket (as `blackhole.ts` does). Passed to the provider as its `onSession` tap;
 * never part of a real provider.
 */
import type { Socket } from 'node:net';
import type { ChainClient } from '../chain/chainClient.ts';
import type { Deployment } from '../chain/deployment.ts';
import type { Logger } from '../log/logger.ts';
import type { PendingSession } from '../provider/SessionAdmission.ts';
import type { MuxSession } from '../tunnel/MuxSession.ts';
import { readSessionFeatures, type SessionFeatures } from './sessionFeatures.ts';

/** Old probes opened their sessions as their epoch began: a session starting this early in one looks like one. */
const EPOCH_START_WINDOW_MS = 2_000;

/**
 * Whether a session looks like an auditor's (pure): its payer is a registered auditor, was funded by one,
 * holds a channel younger than one epoch (opened for this audit), or it started at the top of an epoch.
 */
export function looksLikeAuditor(f: SessionFeatures, epochMs: number): boolean {
  return (
    f.payerIsAuditor || f.fundedByAuditor || f.channelAgeS * 1000 < epochMs || f.startOffsetMs < EPOCH_START_WINDOW_MS
  );
}

export function createCustomerBlackhole({
  client,
  deployment,
  epochMs,
  logger,
}: {
  client: ChainClient;
  deployment: Deployment;
  epochMs: number;
  logger: Logger;
}): (session: MuxSession, pending: PendingSession) => void {
  return (session, pending) => {
    const startedAt = Date.now();
    readSessionFeatures(client, { deployment, payer: pending.payer, channelId: pending.channelId, startedAt, epochMs })
      .then((features) => {
        if (looksLikeAuditor(features, epochMs)) {
          logger.info({ payer: pending.payer }, 'devnet fault: serving a session that looks like an auditor’s');
          return;
        }
        logger.warn({ payer: pending.payer }, 'devnet fault: black-holing a customer session');
        const socket = session.channel.transport as Socket;
        socket.pause();
        socket.cork();
      })
      .catch((error: unknown) => logger.warn({ err: error }, 'devnet fault: could not read the payer'));
  };
}
