/**
 * The payee's watcher: follows PaymentChannels events to a confirmation depth, keeps each claimed
 * channel's on-chain state, and redeems the stored claims by policy in one batch — at once for a
 * channel whose payer started a unilateral close, so the newest voucher lands inside the challenge
 * period. Its block cursor lives in the state database, so a restart resumes where it stopped; RPC
 * failures are retried with backoff.
 */
import type { Hex } from 'viem';
import type { Claim } from '../accounting/PayeeChannel.ts';
import { paymentChannelsAbi } from '../chain/abi/paymentChannels.ts';
import { getChannel, isChannelGone } from '../chain/actions/getChannel.ts';
import { redeemBatch } from '../chain/actions/redeemBatch.ts';
import type { ChainClient } from '../chain/chainClient.ts';
import type { Deployment } from '../chain/deployment.ts';
import { CallRevertedError } from '../chain/errors.ts';
import { type Logger, silentLogger } from '../log/logger.ts';
import type { ChannelStore } from '../store/ChannelStore.ts';
import { type RedeemPolicy, shouldRedeem } from './redeemPolicy.ts';
import { retry } from './retry.ts';

const CURSOR_KEY = 'watcher.cursor';
const LAST_REDEEM_KEY = 'watcher.lastRedeemAt';
/** Blocks a log must be buried under before the watcher acts on it (reorg safety on an L2). */
export const DEFAULT_CONFIRMATIONS = 2;
/** Most blocks asked for in one `eth_getLogs` (public RPCs cap ranges around 10k). */
const MAX_LOG_RANGE = 5_000n;

export type ChannelWatcherParameters = {
  /** The payee's wallet client: it sends the redemptions (anyone may; funds go to the payee). */
  client: ChainClient;
  deployment: Deployment;
  store: ChannelStore;
  policy: RedeemPolicy;
  confirmations?: number;
  pollMs?: number;
  logger?: Logger;
  now?: () => number;
  /** Told of every channel's life events as they are confirmed (the provider ends sessions of closing channels). */
  onChannelEvent?: (event: ChannelEvent) => void;
};

/** A channel's life on chain, as the watcher reads it from the PaymentChannels events. */
export type ChannelEvent =
  | { channelId: Hex; kind: 'closing' | 'closed' }
  | { channelId: Hex; kind: 'toppedUp'; deposit: bigint }
  | { channelId: Hex; kind: 'redeemed'; redeemed: bigint };

type OnChain = { redeemed: bigint; closing: boolean; gone: boolean };

export class ChannelWatcher {
  readonly #p: ChannelWatcherParameters;
  readonly #state = new Map<Hex, OnChain>();
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;

  constructor(params: ChannelWatcherParameters) {
    this.#p = params;
  }

  start(): void {
    const loop = async () => {
      try {
        await this.poll();
      } catch (error) {
        (this.#p.logger ?? silentLogger).warn({ err: error }, 'watcher poll failed; retrying next round');
      }
      if (this.#running) this.#timer = setTimeout(() => void loop(), this.#p.pollMs ?? 2_000);
    };
    this.#running = loop();
  }

  async stop(): Promise<void> {
    const running = this.#running;
    this.#running = undefined;
    clearTimeout(this.#timer);
    await running;
  }

  /** One round: read new confirmed events, then redeem what the policy says. Returns the redeemed channel ids. */
  async poll(): Promise<Hex[]> {
    const { client, deployment, store } = this.#p;
    const channels = deployment.contracts.channels;
    const claimed = new Set(store.claimedChannels('payee').map((id) => id.toLowerCase() as Hex));
    for (const id of claimed) if (!this.#state.has(id)) this.#state.set(id, await this.#readChannel(id));

    const head = await retry(() => client.getBlockNumber());
    const safe = head - BigInt(this.#p.confirmations ?? DEFAULT_CONFIRMATIONS);
    let from = BigInt(store.getMeta(CURSOR_KEY) ?? deployment.deploymentBlock - 1) + 1n;
    while (from <= safe) {
      const to = from + MAX_LOG_RANGE - 1n < safe ? from + MAX_LOG_RANGE - 1n : safe;
      const logs = await retry(() =>
        client.getContractEvents({ address: channels, abi: paymentChannelsAbi, fromBlock: from, toBlock: to }),
      );
      for (const log of logs)
        this.#apply(claimed, log as unknown as { eventName: string; args: Record<string, unknown> });
      store.setMeta(CURSOR_KEY, to.toString());
      from = to + 1n;
    }
    // A close is acted on before it is confirmed: stopping credit early is safe (a reorg that drops the
    // close costs the payer a reconnect), serving a channel that is being emptied is not.
    if (this.#p.onChannelEvent && head > safe) {
      const fresh = await retry(() =>
        client.getContractEvents({
          address: channels,
          abi: paymentChannelsAbi,
          eventName: 'ChannelCloseStarted',
          fromBlock: (safe < 0n ? -1n : safe) + 1n,
          toBlock: head,
        }),
      );
      for (const log of fresh)
        this.#p.onChannelEvent({ channelId: String(log.args.channelId).toLowerCase() as Hex, kind: 'closing' });
    }
    return this.#redeemDue(claimed);
  }

  #apply(claimed: Set<Hex>, log: { eventName: string; args: Record<string, unknown> }): void {
    const id = String(log.args.channelId ?? '').toLowerCase() as Hex;
    const event = channelEventOf(id, log);
    if (event) this.#p.onChannelEvent?.(event);
    const state = this.#state.get(id);
    if (!claimed.has(id) || !state) return;
    if (log.eventName === 'ChannelCloseStarted') {
      state.closing = true;
      (this.#p.logger ?? silentLogger).info({ channelId: id }, 'payer started a unilateral close: redeeming now');
    } else if (log.eventName === 'ChannelRedeemed') {
      const redeemed = log.args.redeemed as bigint;
      if (redeemed > state.redeemed) state.redeemed = redeemed;
    } else if (log.eventName === 'ChannelClosed' || log.eventName === 'ChannelSettled') {
      state.gone = true;
    }
  }

  async #redeemDue(claimed: Set<Hex>): Promise<Hex[]> {
    const { store, client, policy } = this.#p;
    const now = (this.#p.now ?? Date.now)();
    // The interval counts from the last redemption, or from the watcher's first round.
    const last = store.getMeta(LAST_REDEEM_KEY);
    if (last === undefined) store.setMeta(LAST_REDEEM_KEY, String(now));
    const sinceLast = now - Number(last ?? now);
    const due: Claim[] = [];
    for (const id of claimed) {
      const state = this.#state.get(id);
      const claim = store.latestClaim(id);
      if (!state || state.gone || !claim) continue;
      if (
        shouldRedeem(policy, {
          unredeemedWei: claim.value - state.redeemed,
          closing: state.closing,
          sinceLastRedeemMs: sinceLast,
        })
      )
        due.push(claim);
    }
    if (due.length === 0) return [];
    const redemptions = due.map((c) => ({
      voucher: c.signed.voucher,
      signature: c.signed.signature,
      preimage: c.preimage,
      ticks: BigInt(c.ticks),
    }));
    // One code path for one or many channels: a batch of one costs about a plain redeem. The contract skips
    // an element it cannot redeem (a channel closed meanwhile, nothing new) instead of reverting the batch.
    let skipped: { channelId: Hex; reason: string }[];
    try {
      ({ skipped } = await retry(() => redeemBatch(client, { deployment: this.#p.deployment, redemptions })));
    } catch (error) {
      if (!(error instanceof CallRevertedError && error.meta.errorName === 'NothingRedeemed')) throw error;
      // Every claim was stale: the chain already holds as much (or the channels are gone).
      skipped = due.map((c) => ({ channelId: c.signed.voucher.channelId, reason: 'nothing redeemed' }));
    }
    const skippedIds = new Set(skipped.map((s) => s.channelId.toLowerCase()));
    const redeemed: Hex[] = [];
    for (const c of due) {
      const id = c.signed.voucher.channelId.toLowerCase() as Hex;
      const state = this.#state.get(id);
      if (!state) continue;
      if (skippedIds.has(id)) {
        // What the chain holds now decides (a close or another redemption got there first).
        Object.assign(state, await this.#readChannel(id));
        continue;
      }
      state.redeemed = c.value;
      redeemed.push(c.signed.voucher.channelId);
    }
    store.setMeta(LAST_REDEEM_KEY, String(now));
    (this.#p.logger ?? silentLogger).info({ channels: redeemed.length, skipped }, 'redeemed');
    return redeemed;
  }

  async #readChannel(id: Hex): Promise<OnChain> {
    const c = await retry(() => getChannel(this.#p.client, { deployment: this.#p.deployment, channelId: id }));
    return { redeemed: c.redeemed, closing: c.closesAt !== 0n, gone: isChannelGone(c) };
  }
}

function channelEventOf(
  channelId: Hex,
  log: { eventName: string; args: Record<string, unknown> },
): ChannelEvent | undefined {
  switch (log.eventName) {
    case 'ChannelCloseStarted':
      return { channelId, kind: 'closing' };
    case 'ChannelClosed':
    case 'ChannelSettled':
      return { channelId, kind: 'closed' };
    case 'ChannelToppedUp':
      return { channelId, kind: 'toppedUp', deposit: log.args.deposit as bigint };
    case 'ChannelRedeemed':
      return { channelId, kind: 'redeemed', redeemed: log.args.redeemed as bigint };
    default:
      return undefined;
  }
}
