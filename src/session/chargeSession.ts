/**
 * The provider side of a paid tunnel session: every PAYMENT frame goes through `PayeeChannel`
 * synchronously, as it arrives (one hash per tick paid, a signature recovery per voucher), the best
 * claim is persisted before credit
 * extends over it, and the session's `SendGate` closes when the bytes served (both directions)
 * reach what is durably paid plus the credit window, and opens when payment catches up. A bad
 * payment ends the session with a typed error; a session left paused and unpaid for the unpaid
 * timeout is ended too. Nothing here throws into the tunnel.
 */
import type { Hex } from 'viem';
import { TICK_BYTES } from '../accounting/constants.ts';
import { decodePaymentMessage } from '../accounting/messages.ts';
import type { PayeeChannel } from '../accounting/PayeeChannel.ts';
import { BaseError } from '../errors/BaseError.ts';
import { type Logger, silentLogger } from '../log/logger.ts';
import type { ChannelStore } from '../store/ChannelStore.ts';
import type { MuxSession } from '../tunnel/MuxSession.ts';

/** How often a session is checked: an unpaid stall ends it, an idle unpersisted claim is saved. */
const CHECK_MS = 1_000;

export class SessionPaymentError extends BaseError<Record<string, unknown>> {
  override name = 'SessionPaymentError';
}

export type ChargeSessionParameters = {
  session: MuxSession;
  payee: PayeeChannel;
  channelId: Hex;
  store: ChannelStore;
  /** Credit window in bytes: persist the claim at least every half of it (and whenever the window is
   * reached, so persistence never pauses a paying client). */
  creditBytes: number;
  logger?: Logger;
};

export type ChargedSession = {
  payee: PayeeChannel;
  readonly bytesUp: number;
  readonly bytesDown: number;
  /** Times the gate closed for lack of payment. */
  readonly pauses: number;
};

export function chargeSession({
  session,
  payee,
  channelId,
  store,
  creditBytes,
  logger = silentLogger,
}: ChargeSessionParameters): ChargedSession {
  const { meter, gate } = session;
  const persistEveryTicks = Math.max(1, Math.floor(creditBytes / 2 / TICK_BYTES));
  let pauses = 0;

  const persist = () => {
    const claim = payee.claim;
    if (!claim || !payee.needsPersist) return;
    // Persist first, then extend credit: a crash loses at most what was served on credit.
    store.saveClaim(channelId, claim);
    payee.markDurable(claim.value);
  };
  const refreshGate = () => {
    if (!payee.canServe(TICK_BYTES)) persist(); // whatever is paid becomes durable first
    if (payee.canServe(TICK_BYTES)) gate.open();
    else if (gate.isOpen) {
      pauses++;
      gate.close();
    }
  };
  const onMeter = () => {
    payee.served(meter.sent + meter.received - payee.bytesServed);
    refreshGate();
  };
  let unpersistedTicks = 0;
  const fail = (error: unknown) => {
    logger.warn({ code: (error as { code?: string }).code, err: error }, 'bad payment; ending the session');
    session.close(error as Error);
  };
  /** Payments are handled in arrival order, synchronously; a bad one ends the session. */
  const onPayment = (payload: Buffer) => {
    if (session.closed) return;
    try {
      const payment = decodePaymentMessage(payload);
      if (payment.kind === 'ticks') {
        payee.acceptTicks(payment.preimage, payment.count);
        unpersistedTicks += payment.count;
      } else if (payment.kind === 'tick') {
        unpersistedTicks += payee.acceptTick(payment.preimage);
      } else {
        payee.acceptVoucherSync(payment.signed);
        unpersistedTicks = persistEveryTicks;
      }
      if (unpersistedTicks >= persistEveryTicks || !gate.isOpen) {
        persist();
        unpersistedTicks = 0;
      }
      refreshGate();
    } catch (error) {
      fail(error);
    }
  };
  const stallTimer = setInterval(() => {
    // Between persistence thresholds the last payments of a burst wait here for at most a second.
    if (payee.needsPersist && !session.closed) {
      try {
        persist();
        unpersistedTicks = 0;
      } catch (error) {
        fail(error);
      }
    }
    if (!payee.isStalled(TICK_BYTES)) return;
    logger.info({ unpaidBytes: payee.unpaidBytes }, 'client stopped paying; ending the session');
    session.close(
      new SessionPaymentError('the client stopped paying', {
        code: 'SESSION_UNPAID',
        details: 'the session stayed paused at its credit window for the unpaid timeout',
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
    try {
      persist();
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
  };
}
