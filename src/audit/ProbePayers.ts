/**
 * The payers of the auditor's probe sessions: for each (key period, provider, purpose) a fresh key
 * (`probeKeys.ts`), never the registered auditor address, with its own path builder — the client's own
 * `createPathBuilder`, so the proposal (in the tunnel handshake, never from the auditor's libp2p node),
 * the hop key, credit, channel and vouchers are a customer's; the probe key is that builder's wallet,
 * funding each hop key's channel as a customer's wallet does — and its own
 * channel state in `<stateDir>/probes/<address>.db`. A key is funded once (`FundProbe`: on the devnet as
 * customers are, elsewhere by the auditor) before its first channel opens; `auditor.db` records every key
 * address and whether it was funded, so a restarted auditor re-derives the same keys, finds their
 * channels and what they promised, and does not fund them twice.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Address, createWalletClient, custom, type Hex, publicActions } from 'viem';
import { balanceOf } from '../chain/actions/balanceOf.ts';
import type { ChainClient } from '../chain/chainClient.ts';
import type { Deployment } from '../chain/deployment.ts';
import type { Component } from '../daemon/component.ts';
import type { Logger } from '../log/logger.ts';
import type { SignedOffer } from '../net/offer.ts';
import { createPathBuilder, type PathBuilder } from '../session/buildPath.ts';
import { ChannelStore } from '../store/ChannelStore.ts';
import { openDatabase } from '../store/openDatabase.ts';
import type { ReceiptStore } from '../store/ReceiptStore.ts';
import { localAccount } from '../wallet/localAccount.ts';
import type { FundProbe } from './fundProbeFromAuditor.ts';
import { lastEpochOf, type ProbePurpose, probeKey, probeKeyPeriod } from './probeKeys.ts';

export type ProbePayersParameters = {
  /** The auditor's client: probe keys send through its RPC connection. */
  client: ChainClient;
  deployment: Deployment;
  stateDir: string;
  /** The auditor's probe key seed (`probeSeed`). */
  seed: Hex;
  /** The auditor's own store: the index of probe keys. */
  index: ChannelStore;
  /** The auditor's archive of probe receipts (every probe key's sessions' checkpoints). */
  receipts: ReceiptStore;
  fund: FundProbe;
  depositWei: bigint;
  creditBytes: number;
  /** The offer of a relay a NATed provider names: its probes go through it (docs/nat.md). */
  relayOf?: (provider: Address) => SignedOffer | undefined;
  logger: Logger;
};

type Payer = { address: Address; lastEpoch: number; client: ChainClient; store: ChannelStore; builder: PathBuilder };

export class ProbePayers implements Component {
  readonly #p: ProbePayersParameters;
  readonly #payers = new Map<string, Payer>();

  constructor(params: ProbePayersParameters) {
    this.#p = params;
  }

  /**
   * The path builder paying for `purpose` sessions to `offer`'s provider in `epoch`, its key funded and
   * its channel open (funding and opening happen here, once per key).
   */
  async ready(epoch: number, offer: SignedOffer, purpose: ProbePurpose): Promise<PathBuilder> {
    const payer = this.#payer(probeKeyPeriod(epoch, purpose), offer.offer.provider, purpose);
    const { index, deployment, depositWei, fund, logger } = this.#p;
    const funded = `probe.funded.${payer.address.toLowerCase()}`;
    if (index.getMeta(funded) === undefined) {
      const rbt = await balanceOf(payer.client, { token: deployment.contracts.token, account: payer.address });
      if (rbt < depositWei) {
        logger.info({ probe: payer.address, provider: offer.offer.provider, purpose }, 'funding a probe key');
        await fund(payer.client, { depositWei });
      }
      index.setMeta(funded, new Date().toISOString());
    }
    await payer.builder.channelFor(offer);
    this.#retire(epoch);
    return payer.builder;
  }

  #payer(period: number, provider: Address, purpose: ProbePurpose): Payer {
    const id = `${purpose}.${period}.${provider.toLowerCase()}`;
    const known = this.#payers.get(id);
    if (known) return known;
    const { client, deployment, stateDir, seed, index, receipts, depositWei, creditBytes, logger } = this.#p;
    const account = localAccount(probeKey(seed, period, provider, purpose));
    index.setMeta(`probe.key.${id}`, account.address);
    // The probe key's transactions go through the auditor's RPC connection, signed by the probe key.
    const probeClient = createWalletClient({
      account,
      chain: client.chain,
      transport: custom({ request: (args) => client.request(args as never) }),
    }).extend(publicActions) as unknown as ChainClient;
    mkdirSync(join(stateDir, 'probes'), { recursive: true });
    const store = new ChannelStore(openDatabase({ file: join(stateDir, 'probes', `${account.address}.db`) }));
    const builder = createPathBuilder({
      client: probeClient,
      deployment,
      account,
      store,
      receipts,
      depositWei,
      creditBytes,
      relayOf: this.#p.relayOf,
      logger: logger.child({ probe: account.address }),
    });
    const payer = {
      address: account.address,
      lastEpoch: lastEpochOf(period, purpose),
      client: probeClient,
      store,
      builder,
    };
    this.#payers.set(id, payer);
    return payer;
  }

  /** Closes the stores of keys whose last epoch ended before the one being prepared began (their sessions are over). */
  #retire(preparing: number): void {
    for (const [id, payer] of this.#payers) {
      if (payer.lastEpoch >= preparing - 2) continue;
      payer.store.close();
      this.#payers.delete(id);
    }
  }

  start(): void {}

  stop(): void {
    for (const payer of this.#payers.values()) payer.store.close();
    this.#payers.clear();
  }
}
