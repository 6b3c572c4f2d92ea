/**
 * The provider's half of "refunds in seconds": a client ending its session asks, inside the session, for a
 * cooperative close at everything it promised (`session/answerCloseRequests`). The provider co-signs when it
 * gives up nothing (`checkCloseRequest`: at least its best claim), and submits `cooperativeCloseSigned`
 * itself — it is paid at once, and the client's one-time hop key holds no gas. The co-signed close is saved
 * before the answer leaves, so a restart still refuses new sessions on the channel (`ChannelLedgers.isClosing`)
 * and still submits it; it is forgotten once the channel is gone on chain.
 */
import type { Hex, LocalAccount } from 'viem';
import { checkCloseRequest, recoverCloseSigner, signCloseChannel } from '../accounting/closeChannel.ts';
import { type CloseMessage, NO_SIGNATURE } from '../accounting/closeMessage.ts';
import type { PayeeChannel } from '../accounting/PayeeChannel.ts';
import type { ChannelsDomain } from '../accounting/voucher.ts';
import { cooperativeCloseSigned } from '../chain/actions/cooperativeCloseSigned.ts';
import { getChannel, isChannelGone } from '../chain/actions/getChannel.ts';
import type { ChainClient } from '../chain/chainClient.ts';
import type { Deployment } from '../chain/deployment.ts';
import { type Logger, silentLogger } from '../log/logger.ts';
import type { ChannelStore } from '../store/ChannelStore.ts';
import { retry } from '../watcher/retry.ts';
import { type ChannelLedgers, COOPERATIVE_CLOSE_PREFIX, cooperativeCloseKey } from './ChannelLedgers.ts';

/** Submission attempts per close (a nonce raced by another of the provider's writers, an RPC hiccup). */
const SUBMIT_ATTEMPTS = 4;

export type CooperativeCloserParameters = {
  /** The provider's wallet client: it signs the co-signature and sends the close. */
  client: ChainClient;
  deployment: Deployment;
  store: ChannelStore;
  ledgers: ChannelLedgers;
  logger?: Logger;
};

type SavedClose = { amount: string; payerSignature: Hex; payeeSignature: Hex };

export class CooperativeCloser {
  readonly #p: CooperativeCloserParameters;
  readonly #domain: ChannelsDomain;
  readonly #submitting = new Map<Hex, Promise<void>>();
  #stopped = false;

  constructor(params: CooperativeCloserParameters) {
    this.#p = params;
    this.#domain = { chainId: params.deployment.chainId, channels: params.deployment.contracts.channels };
  }

  /** Submits the closes a previous run co-signed and did not see on chain. */
  start(): void {
    for (const key of this.#p.store.metaKeys(COOPERATIVE_CLOSE_PREFIX))
      void this.#submit(key.slice(COOPERATIVE_CLOSE_PREFIX.length) as Hex);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.all(this.#submitting.values());
  }

  /** The session's `CloseConsent`: co-signs the payer's close of `payee`'s channel, or refuses it. */
  readonly consent = async (request: CloseMessage, payee: PayeeChannel): Promise<CloseMessage> => {
    const { ledgers, store } = this.#p;
    const logger = (this.#p.logger ?? silentLogger).child({ channelId: payee.channelId });
    const refusal = checkCloseRequest({
      channelId: request.channelId,
      sessionChannelId: payee.channelId,
      signer: recoverCloseSigner(this.#domain, request.channelId, request.amount, request.signature),
      payer: payee.payer,
      amount: request.amount,
      claimValue: payee.value,
      deposit: payee.deposit,
      closing: payee.closing || ledgers.isClosing(payee.channelId),
    });
    if (refusal) {
      logger.warn({ code: refusal.code, amount: request.amount }, `close refused: ${refusal.reason}`);
      return { channelId: payee.channelId, amount: payee.value, signature: NO_SIGNATURE };
    }
    // No more credit from here on, before the await: nothing served after the check is left out of the close.
    ledgers.closedCooperatively(payee.channelId);
    const payeeSignature = await signCloseChannel(
      this.#p.client.account as LocalAccount,
      this.#domain,
      payee.channelId,
      request.amount,
    );
    const saved: SavedClose = {
      amount: request.amount.toString(),
      payerSignature: request.signature,
      payeeSignature,
    };
    store.setMeta(cooperativeCloseKey(payee.channelId), JSON.stringify(saved));
    logger.info({ amount: request.amount }, 'close co-signed; submitting it');
    void this.#submit(payee.channelId.toLowerCase() as Hex);
    return { channelId: payee.channelId, amount: request.amount, signature: payeeSignature };
  };

  /** Resolves once every close being submitted is on chain or given up (tests, shutdown). */
  async settled(): Promise<void> {
    await Promise.all(this.#submitting.values());
  }

  #submit(channelId: Hex): Promise<void> {
    const running = this.#submitting.get(channelId);
    if (running) return running;
    const run = this.#submitOnce(channelId).finally(() => this.#submitting.delete(channelId));
    this.#submitting.set(channelId, run);
    return run;
  }

  async #submitOnce(channelId: Hex): Promise<void> {
    const { client, deployment, store } = this.#p;
    const logger = (this.#p.logger ?? silentLogger).child({ channelId });
    const key = cooperativeCloseKey(channelId);
    const raw = store.getMeta(key);
    if (!raw) return;
    const saved = JSON.parse(raw) as SavedClose;
    for (let attempt = 1; attempt <= SUBMIT_ATTEMPTS && !this.#stopped; attempt++) {
      try {
        const channel = await retry(() => getChannel(client, { deployment, channelId }));
        if (isChannelGone(channel)) {
          store.deleteMeta(key);
          return;
        }
        const receipt = await cooperativeCloseSigned(client, {
          deployment,
          channelId,
          amount: BigInt(saved.amount),
          payerSignature: saved.payerSignature,
          payeeSignature: saved.payeeSignature,
        });
        store.deleteMeta(key);
        logger.info({ tx: receipt.transactionHash, amount: saved.amount }, 'channel closed cooperatively');
        return;
      } catch (error) {
        // The client may have submitted the same close first: the next round sees the channel gone.
        logger.warn({ err: error, attempt }, 'submitting the cooperative close failed');
        await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
      }
    }
  }
}
