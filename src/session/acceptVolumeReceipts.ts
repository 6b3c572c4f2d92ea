/**
 * The provider side of volume receipts: the client sends one per session (`signReceipts`, before its final
 * checkpoint), the payer's EdDSA-Poseidon receipt for the channel with the key's EIP-712 registration. The
 * provider keeps it (`VolumeReceiptStore`, newest per channel) when it is for this session's channel, of an
 * epoch next to the provider's own, within the deposit, signed by the key, and the key's registration is the
 * channel payer's — what `VolumeClaimer` later needs to register the channel and prove the volume. A receipt
 * that fails a check is logged and dropped; the session goes on (a bad volume receipt costs only the
 * provider's own claim).
 */
import { type Address, verifyTypedData } from 'viem';
import type { PayeeChannel } from '../accounting/PayeeChannel.ts';
import { registerChannelKeyTypes, volumeDomain } from '../chain/typedData.ts';
import { codeOf } from '../errors/codeOf.ts';
import { type Logger, silentLogger } from '../log/logger.ts';
import type { VolumeReceiptStore } from '../store/VolumeReceiptStore.ts';
import type { MuxSession } from '../tunnel/MuxSession.ts';
import { VolumeError } from '../volume/VolumeError.ts';
import { isVolumeReceiptSignedBy } from '../volume/volumeReceipt.ts';
import { decodeVolumeReceiptMessage, isVolumeReceiptMessage } from '../volume/volumeReceiptMessage.ts';

/** Where volume receipts are judged: the chain, its VolumeLedger, and the ledger's epoch length. */
export type VolumeDomain = { chainId: number; ledger: Address; epochLengthSec: bigint };

export type AcceptVolumeReceiptsParameters = {
  session: MuxSession;
  payee: PayeeChannel;
  provider: Address;
  volume: VolumeDomain;
  store: VolumeReceiptStore;
  logger?: Logger;
  now?: () => number;
};

export function acceptVolumeReceipts({
  session,
  payee,
  provider,
  volume,
  store,
  logger = silentLogger,
  now = Date.now,
}: AcceptVolumeReceiptsParameters): void {
  const accept = async (payload: Buffer) => {
    const { receipt, key, registrationSignature } = decodeVolumeReceiptMessage(payload);
    const refuse = (message: string, code: 'VOLUME_BAD_BATCH' | 'VOLUME_OVER_DEPOSIT' | 'VOLUME_BAD_SIGNATURE') => {
      throw new VolumeError(code, message, undefined, { channelId: receipt.channelId });
    };
    if (receipt.channelId.toLowerCase() !== payee.channelId.toLowerCase())
      refuse(
        `a volume receipt for channel ${receipt.channelId} in a session of ${payee.channelId}`,
        'VOLUME_BAD_BATCH',
      );
    const epoch = BigInt(Math.floor(now() / 1000)) / volume.epochLengthSec;
    if (receipt.epoch + 1n < epoch || receipt.epoch > epoch + 1n)
      refuse(`a volume receipt of epoch ${receipt.epoch}, the provider's is ${epoch}`, 'VOLUME_BAD_BATCH');
    if (receipt.value > payee.deposit)
      refuse(`a volume receipt of ${receipt.value}, above the deposit ${payee.deposit}`, 'VOLUME_OVER_DEPOSIT');
    if (!isVolumeReceiptSignedBy(receipt, key))
      refuse('a volume receipt not signed by its key', 'VOLUME_BAD_SIGNATURE');
    const registered = await verifyTypedData({
      address: payee.payer,
      domain: volumeDomain(volume.chainId, volume.ledger),
      types: registerChannelKeyTypes,
      primaryType: 'RegisterChannelKey',
      message: { channelId: payee.channelId, pubX: key.x, pubY: key.y },
      signature: registrationSignature,
    }).catch(() => false);
    if (!registered) refuse("the volume key's registration is not the channel payer's", 'VOLUME_BAD_SIGNATURE');
    store.save({
      channel: { channelId: payee.channelId, payee: provider, deposit: payee.deposit, key },
      payer: payee.payer,
      registrationSignature,
      receipt,
    });
  };
  let queue: Promise<void> = Promise.resolve();
  const onPayment = (payload: Buffer) => {
    if (!isVolumeReceiptMessage(payload)) return;
    queue = queue
      .then(() => accept(payload))
      .catch((error) => logger.warn({ code: codeOf(error), err: error }, 'volume receipt dropped'));
  };
  session.on('payment', onPayment);
  session.once('close', () => session.off('payment', onPayment));
}
