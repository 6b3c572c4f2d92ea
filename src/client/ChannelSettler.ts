/**
 * The client's channels after they end, so a refund never waits on the user: a cooperative close its
 * provider co-signed but that is not on chain (the provider did not submit it, or the client stopped before
 * it landed) is submitted; a channel whose unilateral close (`bandex channel close`) has passed its challenge
 * period is settled. At start and every `pollMs`, through the funder: the wallet funder does both; a funder
 * without them (the shielded pool's: the wallet must not touch pool-funded channels) leaves them to
 * `bandex channel close|settle`.
 */
import type { Hex } from 'viem';
import { getChannel, isChannelGone } from '../chain/actions/getChannel.ts';
import type { ChainClient } from '../chain/chainClient.ts';
import type { Deployment } from '../chain/deployment.ts';
import type { SerialWrites } from '../chain/serialWrites.ts';
import { type Logger, silentLogger } from '../log/logger.ts';
import type { ChannelFunder } from '../session/ChannelFunder.ts';
import { decodeCoSignedClose, PAYER_CLOSE_PREFIX } from '../session/requestCooperativeClose.ts';
import type { ChannelStore } from '../store/ChannelStore.ts';

const DEFAULT_POLL_MS = 60_000;

export type ChannelSettlerParameters = {
  client: ChainClient;
  deployment: Deployment;
  store: ChannelStore;
  funder: ChannelFunder;
  /** The wallet's transaction queue (shared with channel opens: one nonce at a time). */
  serialWrites: SerialWrites;
  logger?: Logger;
  pollMs?: number;
};

export class ChannelSettler {
  readonly #p: ChannelSettlerParameters;
  /** Channels seen gone on chain: not read again. */
  readonly #gone = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #round: Promise<unknown> = Promise.resolve();

  constructor(params: ChannelSettlerParameters) {
    this.#p = params;
  }

  start(): void {
    const tick = () => {
      this.#round = this.round().catch((error: unknown) =>
        (this.#p.logger ?? silentLogger).warn({ err: error }, 'settling ended channels failed; next round'),
      );
    };
    tick();
    this.#timer = setInterval(tick, this.#p.pollMs ?? DEFAULT_POLL_MS);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#round;
  }

  /** One round; returns the channels it closed or settled. */
  async round(): Promise<Hex[]> {
    const { client, deployment, store, funder } = this.#p;
    const logger = this.#p.logger ?? silentLogger;
    const done: Hex[] = [];
    for (const key of store.metaKeys(PAYER_CLOSE_PREFIX)) {
      const close = decodeCoSignedClose(store.getMeta(key) as string);
      if (isChannelGone(await getChannel(client, { deployment, channelId: close.channelId }))) {
        store.deleteMeta(key);
        continue;
      }
      const submit = funder.submitClose?.bind(funder);
      if (!submit) continue;
      await this.#p.serialWrites(() => submit(close));
      store.deleteMeta(key);
      this.#gone.add(close.channelId.toLowerCase());
      logger.info({ channelId: close.channelId }, 'submitted a co-signed cooperative close');
      done.push(close.channelId);
    }
    const settle = funder.settle?.bind(funder);
    if (!settle) return done;
    const now = (await client.getBlock()).timestamp;
    for (const channelId of store.channelIds('payer')) {
      if (this.#gone.has(channelId.toLowerCase())) continue;
      const channel = await getChannel(client, { deployment, channelId });
      if (isChannelGone(channel)) {
        this.#gone.add(channelId.toLowerCase());
        continue;
      }
      if (channel.closesAt === 0n || now < channel.closesAt) continue;
      await this.#p.serialWrites(() => settle(channelId));
      this.#gone.add(channelId.toLowerCase());
      logger.info({ channelId }, 'settled after its challenge period: rest refunded');
      done.push(channelId);
    }
    return done;
  }
}
