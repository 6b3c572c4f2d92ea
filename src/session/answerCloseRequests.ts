/**
 * The provider side of a cooperative close inside a session: the client's close message (its payer signature
 * of `CloseChannel(channelId, amount)`) goes to `consent`, which co-signs or refuses; the answer goes back on
 * the same session. One request at a time: one that arrives while another is being answered is dropped. A
 * close message that does not decode ends the session, like any malformed payment.
 */
import type { CloseMessage } from '../accounting/closeMessage.ts';
import { decodeCloseMessage, encodeCloseMessage, isCloseMessage } from '../accounting/closeMessage.ts';
import type { PayeeChannel } from '../accounting/PayeeChannel.ts';
import { codeOf } from '../errors/codeOf.ts';
import { type Logger, silentLogger } from '../log/logger.ts';
import type { MuxSession } from '../tunnel/MuxSession.ts';

/** Co-signs `request` for the channel `payee` keeps (the answer carries the payee's signature), or refuses it
 * (the answer carries the amount it would sign and no signature). */
export type CloseConsent = (request: CloseMessage, payee: PayeeChannel) => Promise<CloseMessage>;

export type AnswerCloseRequestsParameters = {
  session: MuxSession;
  payee: PayeeChannel;
  consent: CloseConsent;
  logger?: Logger;
};

export function answerCloseRequests({ session, payee, consent, logger = silentLogger }: AnswerCloseRequestsParameters) {
  let answering = false;
  const onPayment = (payload: Buffer) => {
    if (!isCloseMessage(payload) || session.closed || answering) return;
    let request: CloseMessage;
    try {
      request = decodeCloseMessage(payload);
    } catch (error) {
      logger.warn({ code: codeOf(error) }, 'malformed close request; ending the session');
      session.close(error as Error);
      return;
    }
    answering = true;
    consent(request, payee)
      .then((answer) => {
        if (!session.closed) session.sendPayment(encodeCloseMessage(answer));
      })
      .catch((error: unknown) => logger.error({ err: error }, 'answering a close request failed'))
      .finally(() => {
        answering = false;
      });
  };
  session.on('payment', onPayment);
  session.once('close', () => session.off('payment', onPayment));
}
