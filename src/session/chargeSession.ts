/**
 * The provider side of a paid tunnel session, over the channel's one `PayeeChannel` ledger (issue 14:
 * credit belongs to the channel, not to the session). Every PAYMENT frame goes through the ledger
 * synchronously, as it arrives (one hash per tick paid, a signature recovery per voucher); the best
 * claim and the bytes served are persisted before credit extends over them. Both directions are gated
 * by that one credit:
 *
 * - **nothing before the opening voucher**: the send gate starts closed, the client's session window
 *   starts at zero, and an OPEN before the voucher is a protocol violation that ends the session;
 * - **downloads**: the session's `SendGate` closes when the bytes served, plus what the client may
 *   still upload, reach what is durably paid plus the credit window; it opens when payment catches up;
 * - **uploads**: the client may only send what the provider granted as session window, and the grant
 *   never exceeds the credit left (nor the session's and the process's receive buffers). Received
 *   bytes count as served the moment they arrive.
 *
 * A bad payment ends the session with a typed error; a session paused with nothing raising the claim
 * for the unpaid timeout is ended too, and so is one whose opening voucher does not come. Nothing here
 * throws into the tunnel.
 */
import { isCloseMessage } from '../accounting/closeMessage.ts';
import { TICK_BYTES } from '../accounting/constants.ts';
import { decodePaymentMessage } from '../accounting/messages.ts';
import type { PayeeChannel } from '../accounting/PayeeChannel.ts';
import { isReceiptMessage } from '../accounting/receiptMessages.ts';
import { BaseError } from '../errors/BaseError.ts';
import { codeOf } from '../errors/codeOf.ts';
import { type Logger, silentLogger } from '../log/logger.ts';
import type { ChannelStore } from '../store/ChannelStore.ts';
import type { MuxSession } from '../tunnel/MuxSession.ts';
import { isVolumeReceiptMessage } from '../volume/volumeReceiptMessage.ts';
import {
  MAX_RECEIVE_WINDOW,
  MIN_RECEIVE_WINDOW,
  OPENING_VOUCHER_TIMEOUT_MS,
  PROCESS_RECEIVE_BUFFER_BYTES,
  SESSION_RECEIVE_BUFFER_BYTES,
} from './limits.ts';

/** How often a session is checked: an unpaid stall ends it, an idle unpersisted claim is saved. */
const CHECK_MS = 1_000;

export class SessionPaymentError extends BaseError<Record<string, unknown>> {
  override name = 'SessionPaymentError';
}

export type ChargeSessionParameters = {
  session: MuxSession;
  /** The channel's ledger, shared by its sessions (one at a time). */
  payee: PayeeChannel;
  store: ChannelStore;
  /** This session's credit window in bytes: persist the claim at least every half of it (and whenever
   * the window is reached, so persistence never pauses a paying client). */
  creditBytes: number;
  logger?: Logger;
};

export type ChargedSession = {
  payee: PayeeChannel;
  readonly bytesUp: number;
  readonly bytesDown: number;
  /** Times the gate closed for lack of payment. */
  readonly pauses: number;
  /** Ends the session with `error` (e.g. the channel started closing on chain). */
  end(error: Error): void;
};

export function chargeSession({
  session,
  payee,
  store,
  creditBytes,
  logger = silentLogger,
}: ChargeSessionParameters): ChargedSession {
  const { meter, gate } = session;
  const channelId = payee.channelId;
  const persistEveryTicks = Math.max(1, Math.floor(creditBytes / 2 / TICK_BYTES));
  const startedAt = Date.now();
  let pauses = 0;
  /** Of this session's bytes (both directions), how many the ledger has counted. */
  let counted = 0;

  /** Served bytes as last saved (at a pause or the end of a session). */
  let savedServed = payee.bytesServed;
  /**
   * Persist first, then extend credit: a crash loses at most what was served on credit. The claim is saved
   * as payments come (one row); the bytes served with it (`withServed`, one transaction) only when they are
   * not paid for — when the credit is used up and when the session ends: a paying client's bytes are
   * acknowledged by its next opening voucher anyway (`PayeeChannel`), so saving them at every payment would
   * cost a second page write per save on the hot path for nothing.
   */
  const persist = (withServed = false) => {
    const claim = payee.claim;
    const fresh = payee.needsPersist ? claim : undefined;
    if (withServed) {
      store.saveProgress(channelId, fresh, payee.bytesServed);
      savedServed = payee.bytesServed;
    } else if (fresh) store.saveClaim(channelId, fresh);
    if (claim) payee.markDurable(claim.value);
  };
  /** A download frame fits when it and everything the client may still upload fit the credit. */
  const fits = () => payee.canServe(TICK_BYTES + session.receiveOutstanding);
  const refreshGate = () => {
    if (!fits() && payee.needsPersist) persist(); // whatever is paid becomes durable first
    if (fits()) gate.open();
    else if (gate.isOpen) {
      pauses++;
      gate.close();
      // The credit is used up. When much of it was served since the last save (a client that stopped
      // paying), save that now, so a crash cannot forget it and serve it on credit a second time; a paying
      // client's brief pauses come right after a save and cost nothing.
      if (payee.bytesServed - savedServed >= creditBytes / 2) persist(true);
    }
  };
  const count = () => {
    const total = meter.sent + meter.received;
    payee.served(total - counted);
    counted = total;
  };
  const onMeter = () => {
    count();
    refreshGate();
  };

  gate.close(); // no credit before a verified opening voucher
  session.openPolicy = () =>
    payee.sessionOpen
      ? undefined
      : new SessionPaymentError('the client opened a stream before paying for the session', {
          code: 'SESSION_OPEN_BEFORE_PAYMENT',
          details: 'a session opens with a voucher; streams come after it',
        });
  session.receiveLimit = () => {
    if (!payee.sessionOpen || payee.closing) return 0;
    const target = Math.min(MAX_RECEIVE_WINDOW, Math.max(MIN_RECEIVE_WINDOW, meter.received));
    return Math.max(
      0,
      Math.min(
        target,
        payee.creditLeft,
        SESSION_RECEIVE_BUFFER_BYTES - session.bufferedBytes,
        PROCESS_RECEIVE_BUFFER_BYTES - session.receiveBuffers.bytes,
      ),
    );
  };

  let unpersistedTicks = 0;
  const fail = (error: unknown) => {
    logger.warn({ code: codeOf(error), err: error }, 'bad payment; ending the session');
    session.close(error as Error);
  };
  /** Payments are handled in arrival order, synchronously; a bad one ends the session. */
  const onPayment = (payload: Buffer) => {
    // Receipts and close requests travel as PAYMENT frames too; `countersignReceipts`, `acceptVolumeReceipts`
    // and `answerCloseRequests` take them.
    if (session.closed || isReceiptMessage(payload) || isVolumeReceiptMessage(payload) || isCloseMessage(payload))
      return;
    try {
      const payment = decodePaymentMessage(payload);
      if (payment.kind === 'ticks') {
        payee.acceptTicks(payment.preimage, payment.count);
        unpersistedTicks += payment.count;
      } else if (payment.kind === 'tick') {
        unpersistedTicks += payee.acceptTick(payment.preimage);
      } else {
        payee.acceptVoucherSync(payment.signed, payee.sessionOpen ? undefined : creditBytes);
        unpersistedTicks = persistEveryTicks; // a voucher (the opening one above all) is saved at once
      }
      if (unpersistedTicks >= persistEveryTicks || !gate.isOpen) {
        persist();
        unpersistedTicks = 0;
      }
      refreshGate();
      session.refreshReceiveWindow();
    } catch (error) {
      fail(error);
    }
  };
  const stallTimer = setInterval(() => {
    if (session.closed) return;
    // Between persistence thresholds the last payments of a burst wait here for at most a second.
    if (payee.needsPersist) {
      try {
        persist();
        unpersistedTicks = 0;
      } catch (error) {
        fail(error);
      }
    }
    if (!payee.sessionOpen && Date.now() - startedAt > OPENING_VOUCHER_TIMEOUT_MS) {
      session.close(
        new SessionPaymentError('the client never paid for the session', {
          code: 'SESSION_UNPAID',
          details: `no opening voucher within ${OPENING_VOUCHER_TIMEOUT_MS} ms`,
        }),
      );
      return;
    }
    if (!payee.sessionOpen || !payee.isStalled(TICK_BYTES + session.receiveOutstanding)) return;
    logger.info({ unpaidBytes: payee.unpaidBytes }, 'client stopped paying; ending the session');
    session.close(
      new SessionPaymentError('the client stopped paying', {
        code: 'SESSION_UNPAID',
        details: 'the session stayed paused at its credit window with nothing raising the claim',
      }),
    );
  }, CHECK_MS);
  stallTimer.unref();

  meter.on('sent', onMeter);
  meter.on('received', onMeter);
  session.on('payment', onPayment);
  session.once('close', () => {
    clearInterval(stallTimer);
    meter.off('sent', onMeter);
    meter.off('received', onMeter);
    session.off('payment', onPayment);
    count(); // the last bytes, under one meter unit
    payee.closeSession();
    try {
      persist(true);
    } catch (error) {
      logger.error({ err: error }, 'persisting the final claim failed');
    }
  });
  return {
    payee,
    get bytesUp() {
      return meter.received;
    },
    get bytesDown() {
      return meter.sent;
    },
    get pauses() {
      return pauses;
    },
    end: (error) => session.close(error),
  };
}
