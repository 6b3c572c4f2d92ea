/**
 * The client side of a session's receipts: at every checkpoint — `everyBytes` of the session (both
 * directions: one comparison per meter event, so a fast session cannot outrun its checkpoints), or `everyMs`
 * with traffic since the last one (checked once a second) — and
 * when the session ends (`finish`), the client flushes its payments, then proposes a cumulative receipt of
 * what it can vouch for (`bytesDown` received, `bytesUp` sent, `amount` promised on the channel), signed
 * with the channel's payer key. The provider answers with its signature over the same receipt.
 *
 * With `volume`, `finish` first sends a volume receipt (`acceptVolumeReceipts` on the provider; see
 * docs/privacy.md "Zero-knowledge proof of served volume").
 *
 * Every receipt the provider signed is stored (`ReceiptStore`), with the client's signature too when it is
 * the one the client proposed. Two different receipts signed by the provider for one checkpoint are
 * equivocation: `onEquivocation` gets both (the client daemon submits them to `slashEquivocation`) and the
 * session ends (`RECEIPT_EQUIVOCATION`). A countersignature that does not verify ends the session
 * (`RECEIPT_BAD_SIGNATURE`), one for another receipt than proposed too (`RECEIPT_MISMATCH`); what was
 * stored stays.
 */
import type { Address, Hex, LocalAccount } from 'viem';
import { RECEIPT_EVERY_BYTES, RECEIPT_EVERY_MS, RECEIPT_FINAL_TIMEOUT_MS } from '../accounting/constants.ts';
import { AccountingError } from '../accounting/errors.ts';
import {
  checkpointIdOf,
  isReceiptSignedBy,
  type Receipt,
  type RegistryDomain,
  receiptStructHash,
  signReceipt,
} from '../accounting/receipt.ts';
import { decodeReceiptMessage, encodeReceiptMessage, isReceiptMessage } from '../accounting/receiptMessages.ts';
import { checkReceiptNames } from '../accounting/receiptRules.ts';
import { registerChannelKeyTypes, volumeDomain } from '../chain/typedData.ts';
import { codeOf } from '../errors/codeOf.ts';
import { type Logger, silentLogger } from '../log/logger.ts';
import type { ReceiptStore } from '../store/ReceiptStore.ts';
import type { MuxSession } from '../tunnel/MuxSession.ts';
import { deriveVolumeKey } from '../volume/volumeKeys.ts';
import { signVolumeReceipt } from '../volume/volumeReceipt.ts';
import { encodeVolumeReceiptMessage } from '../volume/volumeReceiptMessage.ts';
import type { PaidHop } from './payHop.ts';

/** How often the client looks whether a checkpoint is due. */
const CHECK_MS = 1_000;

/** Provider-signed receipts kept in memory per session (the store keeps them all). */
const KEEP_IN_MEMORY = 16;

/** Two receipts for one checkpoint, both signed by `provider`: what `slashEquivocation` takes. */
export type Equivocation = { provider: Address; a: Receipt; signatureA: Hex; b: Receipt; signatureB: Hex };

export type SignReceiptsParameters = {
  session: MuxSession;
  /** The hop's payments: flushed before each proposal, whose `amount` is what they promised. */
  paid: PaidHop;
  /** The channel's payer key (for an auditor's probe, the probe's payer key). */
  account: LocalAccount;
  domain: RegistryDomain;
  sessionId: Hex;
  channelId: Hex;
  provider: Address;
  store?: ReceiptStore;
  onEquivocation?: (evidence: Equivocation) => void;
  everyBytes?: number;
  everyMs?: number;
  /**
   * VolumeLedger's domain: the final receipt is preceded by a volume receipt (EdDSA-Poseidon, key derived from
   * `account`) with the key's registration, so the provider can prove its served volume. `priorBytes`: bytes of
   * earlier sessions on the channel (volume receipts are cumulative over the channel).
   */
  volume?: { chainId: number; ledger: Address; epochLengthSec: bigint; priorBytes?: bigint };
  logger?: Logger;
  now?: () => number;
};

export type ReceiptSigner = {
  /** Proposes a checkpoint now; resolves when the provider countersigned it (or the session closed). */
  checkpoint(): Promise<void>;
  /** The final receipt: proposes one and waits up to `RECEIPT_FINAL_TIMEOUT_MS` for the countersignature. */
  finish(): Promise<void>;
  /** The newest receipt both sides signed, if any. */
  readonly latest: { receipt: Receipt; providerSignature: Hex; clientSignature: Hex } | undefined;
};

export function signReceipts({
  session,
  paid,
  account,
  domain,
  sessionId,
  channelId,
  provider,
  store,
  onEquivocation,
  everyBytes = RECEIPT_EVERY_BYTES,
  everyMs = RECEIPT_EVERY_MS,
  volume,
  logger = silentLogger,
  now = Date.now,
}: SignReceiptsParameters): ReceiptSigner {
  const { meter } = session;
  const seconds = () => BigInt(Math.floor(now() / 1000));
  const startTime = seconds();
  let nextSeq = 0;
  let lastBytes = 0;
  let lastAt = now();
  let latest: ReceiptSigner['latest'];
  /** Proposals by checkpoint, and the receipts the provider signed, by checkpoint. */
  const proposed = new Map<number, { receipt: Receipt; hash: Hex; signature: Hex; answered: () => void }>();
  const providerSigned = new Map<number, { receipt: Receipt; hash: Hex; signature: Hex }>();

  const fail = (error: unknown) => {
    logger.warn({ code: codeOf(error), err: error }, 'bad receipt from the provider; ending the session');
    session.close(error as Error);
  };

  const propose = async (): Promise<Promise<void>> => {
    await paid.settled(); // payments first: the provider holds what the amount says when the receipt arrives
    const seq = nextSeq++;
    const receipt: Receipt = {
      sessionId: checkpointIdOf(sessionId, seq),
      channelId,
      bytesUp: BigInt(meter.sent),
      bytesDown: BigInt(meter.received),
      amount: paid.payer.promised,
      startTime,
      endTime: seconds(),
    };
    lastBytes = meter.sent + meter.received;
    lastAt = now();
    const signature = await signReceipt(account, domain, receipt);
    store?.save({ receipt, session: sessionId, seq, payer: account.address, provider, clientSignature: signature });
    const answered = new Promise<void>((resolve) => {
      proposed.set(seq, { receipt, hash: receiptStructHash(receipt), signature, answered: resolve });
    });
    if (session.closed) proposed.get(seq)?.answered();
    if (!session.closed) session.sendPayment(encodeReceiptMessage({ seq, receipt, signature }));
    return answered;
  };

  /** Proposals go one at a time: the next waits for the provider's answer to the last (or the close).
   * `queued` counts those asked for and not done, so the byte and time triggers never pile them up. */
  let chain: Promise<void> = Promise.resolve();
  let queued = 0;
  const checkpoint = (): Promise<void> => {
    queued++;
    const run = chain
      .then(async () => {
        if (!session.closed) await await propose();
      })
      .finally(() => {
        queued--;
      });
    chain = run.catch(() => undefined);
    return run;
  };

  const onCountersign = async (payload: Buffer) => {
    const message = decodeReceiptMessage(payload);
    const { seq, receipt, signature } = message;
    if (seq >= nextSeq)
      throw new AccountingError('RECEIPT_WRONG_SESSION', `the provider signed checkpoint ${seq}, never proposed`);
    checkReceiptNames(message, sessionId, channelId);
    if (!(await isReceiptSignedBy(domain, receipt, signature, provider)))
      throw new AccountingError(
        'RECEIPT_BAD_SIGNATURE',
        `the countersignature of checkpoint ${seq} is not the provider's (${provider})`,
        'the session ends; the receipts stored so far stay',
        { seq },
      );
    const hash = receiptStructHash(receipt);
    const mine = proposed.get(seq);
    const matches = mine?.hash === hash;
    store?.save({
      receipt,
      session: sessionId,
      seq,
      payer: account.address,
      provider,
      providerSignature: signature,
      ...(matches && mine ? { clientSignature: mine.signature } : {}),
    });
    const stored = store?.conflicting(receipt)[0];
    const other =
      providerSigned.get(seq) ??
      (stored?.providerSignature
        ? { receipt: stored.receipt, hash: receiptStructHash(stored.receipt), signature: stored.providerSignature }
        : undefined);
    if (other && other.hash !== hash) {
      onEquivocation?.({ provider, a: other.receipt, signatureA: other.signature, b: receipt, signatureB: signature });
      throw new AccountingError(
        'RECEIPT_EQUIVOCATION',
        `provider ${provider} signed two different receipts for checkpoint ${seq}`,
        'both are kept as evidence for ProviderRegistry.slashEquivocation',
        { seq },
      );
    }
    if (other && !mine) return; // the same countersignature again: nothing new
    providerSigned.set(seq, { receipt, hash, signature });
    if (!matches || !mine)
      throw new AccountingError(
        'RECEIPT_MISMATCH',
        `the provider countersigned another receipt than the client proposed for checkpoint ${seq}`,
        'the session ends; the provider-signed receipt is kept',
        { seq },
      );
    latest = { receipt, providerSignature: signature, clientSignature: mine.signature };
    proposed.delete(seq);
    // Equivocation about older checkpoints is still found in the store; memory keeps the newest few.
    providerSigned.delete(seq - KEEP_IN_MEMORY);
    mine.answered();
  };

  let answers: Promise<void> = Promise.resolve();
  const onPayment = (payload: Buffer) => {
    if (!isReceiptMessage(payload) || session.closed) return;
    answers = answers.then(() => onCountersign(payload)).catch(fail);
  };

  const bytes = () => meter.sent + meter.received;
  /** Per meter event: one sum and one comparison (the proposal itself is rare: every 64 MiB). */
  const onMeter = () => {
    if (queued === 0 && bytes() - lastBytes >= everyBytes) checkpoint().catch(fail);
  };
  const timer = setInterval(() => {
    if (session.closed || queued > 0) return;
    if (bytes() > lastBytes && now() - lastAt >= everyMs) checkpoint().catch(fail);
  }, CHECK_MS);
  timer.unref();

  session.on('payment', onPayment);
  meter.on('sent', onMeter);
  meter.on('received', onMeter);
  session.once('close', () => {
    clearInterval(timer);
    for (const pending of proposed.values()) pending.answered(); // nobody will answer them now
    session.off('payment', onPayment);
    meter.off('sent', onMeter);
    meter.off('received', onMeter);
  });

  /** The volume receipt: cumulative bytes and the amount promised on the channel, for the current epoch. */
  const sendVolumeReceipt = async () => {
    if (!volume) return;
    await paid.settled();
    const key = await deriveVolumeKey(account);
    const registrationSignature = await account.signTypedData({
      domain: volumeDomain(volume.chainId, volume.ledger),
      types: registerChannelKeyTypes,
      primaryType: 'RegisterChannelKey',
      message: { channelId, pubX: key.publicKey.x, pubY: key.publicKey.y },
    });
    const receipt = signVolumeReceipt(key.privateKey, {
      channelId,
      epoch: seconds() / volume.epochLengthSec,
      bytes: (volume.priorBytes ?? 0n) + BigInt(meter.sent + meter.received),
      value: paid.payer.promised,
    });
    if (!session.closed)
      session.sendPayment(encodeVolumeReceiptMessage({ receipt, key: key.publicKey, registrationSignature }));
  };

  return {
    checkpoint,
    finish: async () => {
      if (session.closed) return;
      let timeout: NodeJS.Timeout | undefined;
      const waited = new Promise<void>((resolve) => {
        timeout = setTimeout(resolve, RECEIPT_FINAL_TIMEOUT_MS);
      });
      try {
        // The volume receipt goes first: the final receipt's countersignature then says it has arrived.
        await sendVolumeReceipt().catch((error) =>
          logger.warn({ code: codeOf(error), err: error }, 'the volume receipt failed'),
        );
        await Promise.race([checkpoint(), waited]);
      } catch (error) {
        logger.warn({ code: codeOf(error), err: error }, 'the final receipt failed');
      } finally {
        clearTimeout(timeout);
      }
    },
    get latest() {
      return latest;
    },
  };
}
