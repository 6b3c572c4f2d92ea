/**
 * The provider side of a paid tunnel session: every PAYMENT frame goes through `PayeeChannel`
 * synchronously, as it arrives (one hash per tick paid, a signature recovery per voucher). The best
 * claim is saved off the event loop (`ClaimWriter`, one save in flight per session) and credit extends
 * over it only once it is committed; the session's `SendGate` closes when the bytes served (both
 * directions) reach what is durably paid plus the credit window, and opens when payment — and its save —
 * catches up. A bad payment or a failed save ends the session with a typed error; a session left paused
 * and unpaid for the unpaid timeout is ended too. Nothing here throws into the tunnel.
 */
import type { Hex } from 'viem';
import { TICK_BYTES } from '../accounting/constants.ts';
import { decodePaymentMessage } from '../accounting/messages.ts';
import type { Claim, PayeeChannel } from '../accounting/PayeeChannel.ts';
import { BaseError } from '../errors/BaseError.ts';
import { type Logger, silentLogger } from '../log/logger.ts';
import type { MuxSession } from '../tunnel/MuxSession.ts';

/** How often a session is checked for an unpaid stall. */
const CHECK_MS = 1_000;

export class SessionPaymentError extends BaseError<Record<string, unknown>> {
  override name = 'SessionPaymentError';
}

export type ChargeSessionParameters = {
  session: MuxSession;
  payee: PayeeChannel;
  channelId: Hex;
  /** Where claims are committed (`ClaimWriter`); a save resolves once the claim is durable. */
  claims: { saveClaim(channelId: Hex, claim: Claim): Promise<boolean> };
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
  claims,
  logger = silentLogger,
}: ChargeSessionParameters): ChargedSession {
  const { meter, gate } = session;
  let pauses = 0;

  /** A save in flight. Every payment starts one unless one is in flight; when it is done, whatever was paid
   * meanwhile is saved next. So durable payment trails payment by about one save, and saves come no faster
   * than the disk commits them. */
  let saving = false;
  const persist = () => {
    const claim = payee.claim;
    if (saving || !claim || !payee.needsPersist) return;
    saving = true;
    // Committed first, then credit extends: a crash loses at most what was served on credit.
    claims.saveClaim(channelId, claim).then(
      () => {
        saving = false;
        payee.markDurable(claim.value);
        persist(); // what was paid while this one was saved (the final claim too, once closed)
        if (!session.closed) refreshGate();
      },
      (error: unknown) => {
        saving = false;
        if (session.closed) logger.error({ err: error }, 'persisting the final claim failed');
        else fail(error);
      },
    );
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
  const fail = (error: unknown) => {
    logger.warn({ code: (error as { code?: string }).code, err: error }, 'bad payment; ending the session');
    session.close(error as Error);
  };
  /** Payments are handled in arrival order, synchronously; a bad one ends the session. */
  const onPayment = (payload: Buffer) => {
    if (session.closed) return;
    try {
      const payment = decodePaymentMessage(payload);
      if (payment.kind === 'ticks') payee.acceptTicks(payment.preimage, payment.count);
      else if (payment.kind === 'tick') payee.acceptTick(payment.preimage);
      else payee.acceptVoucherSync(payment.signed);
      persist();
      refreshGate();
    } catch (error) {
      fail(error);
    }
  };
  const stallTimer = setInterval(() => {
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
    persist();
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
