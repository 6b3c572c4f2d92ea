/**
 * The client side of a cooperative close inside a session: when the client ends, it signs
 * `CloseChannel(channelId, amount)` with the hop key for everything it promised, sends it on the hop's own
 * session (through the earlier hops, like every payment: the exit learns nothing new) and waits a bounded
 * time for the provider's co-signature. Anyone may then submit both (`cooperativeCloseSigned`): the provider
 * is paid and the rest refunded in one transaction, with no challenge period.
 */
import type { Address, Hex, LocalAccount } from 'viem';
import { isAddressEqual } from 'viem';
import { recoverCloseSigner, signCloseChannel } from '../accounting/closeChannel.ts';
import { decodeCloseMessage, encodeCloseMessage, isCloseMessage, isRefusal } from '../accounting/closeMessage.ts';
import type { ChannelsDomain } from '../accounting/voucher.ts';
import type { MuxSession } from '../tunnel/MuxSession.ts';

/** How long the provider has to co-sign (a signature and a round trip through the path). */
export const CLOSE_ANSWER_TIMEOUT_MS = 5_000;

export type CoSignedClose = { channelId: Hex; amount: bigint; payerSignature: Hex; payeeSignature: Hex };

/** Where the client keeps a co-signed close until it is on chain (its `ChannelStore` meta). */
export function payerCloseKey(channelId: Hex): string {
  return `${PAYER_CLOSE_PREFIX}${channelId.toLowerCase()}`;
}
export const PAYER_CLOSE_PREFIX = 'payer.cooperativeClose.';

export function encodeCoSignedClose(close: CoSignedClose): string {
  return JSON.stringify({ ...close, amount: close.amount.toString() });
}

export function decodeCoSignedClose(text: string): CoSignedClose {
  const raw = JSON.parse(text) as Omit<CoSignedClose, 'amount'> & { amount: string };
  return { ...raw, amount: BigInt(raw.amount) };
}
export type CloseOutcome = ({ ok: true } & CoSignedClose) | { ok: false; reason: string };

export type RequestCooperativeCloseParameters = {
  session: MuxSession;
  /** The hop key: the channel's payer. */
  account: LocalAccount;
  domain: ChannelsDomain;
  channelId: Hex;
  /** Everything promised on the channel (`PayerChannel.promised`, after the last payment went out). */
  amount: bigint;
  /** The provider: the co-signature must be its. */
  payee: Address;
  timeoutMs?: number;
};

export async function requestCooperativeClose(p: RequestCooperativeCloseParameters): Promise<CloseOutcome> {
  const { session, channelId, amount } = p;
  if (session.closed) return { ok: false, reason: 'the session is closed' };
  const payerSignature = await signCloseChannel(p.account, p.domain, channelId, amount);
  return new Promise<CloseOutcome>((resolve) => {
    const done = (outcome: CloseOutcome) => {
      clearTimeout(timer);
      session.off('payment', onPayment);
      session.off('close', onClose);
      resolve(outcome);
    };
    const onPayment = (payload: Buffer) => {
      if (!isCloseMessage(payload)) return;
      let answer: ReturnType<typeof decodeCloseMessage>;
      try {
        answer = decodeCloseMessage(payload);
      } catch {
        return done({ ok: false, reason: 'the provider answered with a malformed close message' });
      }
      if (answer.channelId.toLowerCase() !== channelId.toLowerCase())
        return done({ ok: false, reason: `the provider answered for channel ${answer.channelId}` });
      if (isRefusal(answer))
        return done({
          ok: false,
          reason: `the provider refused to co-sign ${amount} (it holds a claim of ${answer.amount}): the channel stays open; close it with \`bandex channel close\``,
        });
      const signer = recoverCloseSigner(p.domain, channelId, amount, answer.signature);
      if (answer.amount !== amount || !signer || !isAddressEqual(signer, p.payee))
        return done({ ok: false, reason: 'the provider’s co-signature does not verify' });
      done({ ok: true, channelId, amount, payerSignature, payeeSignature: answer.signature });
    };
    const onClose = () => done({ ok: false, reason: 'the session closed before the provider answered' });
    const timer = setTimeout(
      () => done({ ok: false, reason: 'the provider did not answer in time' }),
      p.timeoutMs ?? CLOSE_ANSWER_TIMEOUT_MS,
    );
    session.on('payment', onPayment);
    session.once('close', onClose);
    session.sendPayment(encodeCloseMessage({ channelId, amount, signature: payerSignature }));
  });
}
