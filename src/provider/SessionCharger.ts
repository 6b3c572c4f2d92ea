/**
 * The provider's paid sessions: each authenticated tunnel session is matched to its accepted proposal,
 * charged through its channel's one ledger (`ChannelLedgers`, `session/chargeSession`), weighted by its
 * priority premium, its receipts countersigned (`session/countersignReceipts`), and counted for the status, metrics and dashboard events. Sessions whose proposal
 * is gone (expired, or superseded by a newer one on the same channel) are closed at once.
 */
import type { Address, Hex, LocalAccount } from 'viem';
import type { RegistryDomain } from '../accounting/receipt.ts';
import type { Telemetry } from '../api/telemetry.ts';
import { codeOf } from '../errors/codeOf.ts';
import type { Logger } from '../log/logger.ts';
import { acceptVolumeReceipts, type VolumeDomain } from '../session/acceptVolumeReceipts.ts';
import { answerCloseRequests, type CloseConsent } from '../session/answerCloseRequests.ts';
import { type ChargedSession, chargeSession } from '../session/chargeSession.ts';
import { countersignReceipts } from '../session/countersignReceipts.ts';
import type { ChannelStore } from '../store/ChannelStore.ts';
import type { ReceiptStore } from '../store/ReceiptStore.ts';
import type { VolumeReceiptStore } from '../store/VolumeReceiptStore.ts';
import type { TransportName } from '../transport/transportSpec.ts';
import type { MuxSession } from '../tunnel/MuxSession.ts';
import { weightForPremium } from '../tunnel/RateLimiter.ts';
import type { ChannelLedgers } from './ChannelLedgers.ts';
import type { PendingSession } from './SessionAdmission.ts';

export type SessionChargerParameters = {
  store: ChannelStore;
  /** Where each session's checkpoint receipts are kept, with both signatures. */
  receipts: ReceiptStore;
  /** The provider's key and the registry domain: it countersigns the client's receipts. */
  account: LocalAccount;
  registry: RegistryDomain;
  ledgers: ChannelLedgers;
  telemetry: Telemetry;
  logger: Logger;
  /** Where volume receipts are judged and kept (absent: a deployment without VolumeLedger). */
  volume?: { domain: VolumeDomain; store: VolumeReceiptStore; provider: Address };
  /** Co-signs (or refuses) a client's cooperative close at the end of its session (`CooperativeCloser`). */
  consent?: CloseConsent;
  /** Called with every session charged and its accepted proposal (the devnet's fault modes tap it). */
  onSession?: (session: MuxSession, pending: PendingSession) => void;
};

export class SessionCharger {
  readonly #p: SessionChargerParameters;
  readonly #live = new Map<MuxSession, ChargedSession>();
  readonly #closed = { up: 0, down: 0, pauses: 0, sessions: 0 };
  /** Sessions charged since start, by the transport their connection came in on. */
  readonly #byTransport: Record<string, number> = {};

  constructor(params: SessionChargerParameters) {
    this.#p = params;
  }

  /** Charges `session` under its accepted proposal (`pending`; undefined: refused, the session closes). */
  charge(session: MuxSession, pending: PendingSession | undefined, transport: TransportName = 'plain'): void {
    if (!pending) {
      session.close();
      return;
    }
    const { store, ledgers, telemetry } = this.#p;
    const channelId = pending.channelId;
    const log = this.#p.logger.child({ channelId });
    const payee = ledgers.ledger(channelId, pending);
    session.setWeight(weightForPremium(pending.premiumBps));
    const charged = chargeSession({ session, payee, store, creditBytes: pending.creditBytes, logger: log });
    countersignReceipts({
      session,
      payee,
      account: this.#p.account,
      domain: this.#p.registry,
      sessionId: pending.sessionId,
      store: this.#p.receipts,
      logger: log,
    });
    const { volume, consent } = this.#p;
    if (consent) answerCloseRequests({ session, payee, consent, logger: log });
    if (volume)
      acceptVolumeReceipts({
        session,
        payee,
        provider: volume.provider,
        volume: volume.domain,
        store: volume.store,
        logger: log,
      });
    ledgers.attach(channelId, charged);
    this.#live.set(session, charged);
    this.#closed.sessions++;
    this.#byTransport[transport] = (this.#byTransport[transport] ?? 0) + 1;
    this.#p.onSession?.(session, pending);
    telemetry.publish('session-opened', { channelId });
    // The previous hop's address (the client itself only for hop 1); destinations are never logged.
    const socket = session.channel.transport as { remoteAddress?: string; remotePort?: number };
    log.info({ remote: `${socket.remoteAddress}:${socket.remotePort}` }, 'tunnel session opened');
    session.once('close', (error) => this.#closedSession(session, channelId, charged, error, log));
  }

  #closedSession(session: MuxSession, channelId: Hex, charged: ChargedSession, error: Error | undefined, log: Logger) {
    this.#live.delete(session);
    this.#p.ledgers.detach(channelId, charged);
    this.#closed.up += charged.bytesUp;
    this.#closed.down += charged.bytesDown;
    this.#closed.pauses += charged.pauses;
    const code = codeOf(error);
    if (error) this.#p.telemetry.countError(code);
    this.#p.telemetry.publish('session-closed', { channelId, code });
    log.info(
      { bytesUp: charged.bytesUp, bytesDown: charged.bytesDown, paidWei: charged.payee.value, code },
      'tunnel session closed',
    );
  }

  /** The sessions being charged now. */
  get live(): Iterable<ChargedSession> {
    return this.#live.values();
  }

  get liveCount(): number {
    return this.#live.size;
  }

  /** Sessions charged since start, by transport (only the ones hop 1 of a path reaches a provider over). */
  sessionsByTransport(): Record<string, number> {
    return { ...this.#byTransport };
  }

  /** Sessions charged since start. */
  get total(): number {
    return this.#closed.sessions;
  }

  /** Bytes served since start, per direction (closed sessions and live ones). */
  traffic(): { up: number; down: number } {
    let { up, down } = this.#closed;
    for (const c of this.#live.values()) {
      up += c.bytesUp;
      down += c.bytesDown;
    }
    return { up, down };
  }

  /** Times a session's gate closed for lack of payment, since start. */
  pauses(): number {
    let pauses = this.#closed.pauses;
    for (const c of this.#live.values()) pauses += c.pauses;
    return pauses;
  }
}
