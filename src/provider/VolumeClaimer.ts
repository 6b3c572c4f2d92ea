/**
 * The provider's served-volume claims: after an epoch ends, the volume receipts its payers signed for it
 * (`VolumeReceiptStore`) are counted on chain, `VOLUME_SLOTS` at a time, by zero-knowledge proofs
 * (`VolumeLedger.claimVolume`) that name no channel. Before the first claim it commits its nullifier key;
 * a channel not yet in the tree (or registered with a smaller deposit) is registered first with its payer's
 * stored consent, the provider paying the gas. A receipt the ledger will never count (its channel already
 * counted: `NullifierUsed`) is marked done; any other failure leaves it for the next run. `runOnce` is the
 * whole job; `start` runs it every half epoch. It proves only with a circuit already built
 * (`npm run zk:build servedVolume`), never starting the ceremony itself.
 */
import type { Address, Hex, LocalAccount } from 'viem';
import { readContract } from 'viem/actions';
import { volumeLedgerAbi } from '../chain/abi/volumeLedger.ts';
import { claimVolume, providerVolumeKey, registerProviderVolumeKey } from '../chain/actions/claimVolume.ts';
import { readChannelRegistrations } from '../chain/actions/readChannelRegistrations.ts';
import { readVolumeEpoch, requireVolumeLedger } from '../chain/actions/readVolume.ts';
import { registerVolumeChannel } from '../chain/actions/registerVolumeChannel.ts';
import type { ChainClient } from '../chain/chainClient.ts';
import type { Deployment } from '../chain/deployment.ts';
import { CallRevertedError } from '../chain/errors.ts';
import { codeOf } from '../errors/codeOf.ts';
import { type Logger, silentLogger } from '../log/logger.ts';
import type { StoredVolumeReceipt, VolumeReceiptStore } from '../store/VolumeReceiptStore.ts';
import { buildVolumeWitness, checkVolumeClaimItem } from '../volume/buildVolumeWitness.ts';
import { VOLUME_SLOTS } from '../volume/constants.ts';
import { isVolumeCircuitBuilt, proveVolume, VOLUME_CIRCUIT } from '../volume/proveVolume.ts';
import { deriveProviderSecret, providerKeyOf, volumeNullifier } from '../volume/volumeKeys.ts';

export type VolumeClaimerParameters = {
  client: ChainClient;
  /** The provider's account (the channels' payee): derives the nullifier secret. */
  account: LocalAccount;
  deployment: Deployment;
  store: VolumeReceiptStore;
  logger?: Logger;
};

/** One claim made by `runOnce`. */
export type VolumeClaimResult = { epoch: bigint; channels: Hex[]; bytes: bigint; value: bigint };

export class VolumeClaimer {
  readonly #p: VolumeClaimerParameters;
  readonly #logger: Logger;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> = Promise.resolve();
  readonly #refused = new Set<Hex>();
  #warnedUnbuilt = false;

  constructor(parameters: VolumeClaimerParameters) {
    this.#p = parameters;
    this.#logger = parameters.logger ?? silentLogger;
  }

  /** Claims every finished epoch still in the claim window; returns the claims made. */
  async runOnce(): Promise<VolumeClaimResult[]> {
    const { client, account, deployment, store } = this.#p;
    const provider = account.address;
    const { current, claimWindow } = await readVolumeEpoch(client, { deployment });
    const from = current > claimWindow ? current - claimWindow : 0n;
    const pending = store.unclaimed(from, current - 1n).filter((r) => this.#usable(r, provider));
    if (pending.length === 0 || current === 0n) return [];
    if (!isVolumeCircuitBuilt()) {
      // Building it takes minutes of CPU (its development ceremony): an operator's step, never a daemon's.
      if (!this.#warnedUnbuilt)
        this.#logger.warn(
          { circuit: VOLUME_CIRCUIT },
          'served-volume circuit not built: run `npm run zk:build servedVolume`',
        );
      this.#warnedUnbuilt = true;
      return [];
    }
    const secret = await deriveProviderSecret(account);
    await this.#commitKey(provider, providerKeyOf(secret));
    for (const r of pending) {
      try {
        await this.#register(r);
      } catch (error) {
        this.#logger.warn(
          { code: codeOf(error), err: error, channelId: r.channel.channelId },
          'channel key not registered',
        );
      }
    }
    const registrations = await readChannelRegistrations(client, { deployment });
    const leaves = registrations.map((r) => r.leaf);
    // The deposit each channel's key was registered with (the largest, after top-ups) is its leaf's.
    const registered = new Map<string, bigint>();
    for (const g of registrations) {
      const id = `${g.channelId.toLowerCase()}:${g.pubX}:${g.pubY}`;
      if (g.deposit > (registered.get(id) ?? 0n)) registered.set(id, g.deposit);
    }
    const results: VolumeClaimResult[] = [];
    const byEpoch = new Map<bigint, StoredVolumeReceipt[]>();
    for (const stored of pending) {
      const { channel } = stored;
      const deposit = registered.get(`${channel.channelId.toLowerCase()}:${channel.key.x}:${channel.key.y}`);
      if (deposit === undefined || stored.receipt.value > deposit) continue;
      const r = { ...stored, channel: { ...channel, deposit } };
      byEpoch.set(r.receipt.epoch, [...(byEpoch.get(r.receipt.epoch) ?? []), r]);
    }
    for (const [epoch, receipts] of byEpoch) {
      for (let i = 0; i < receipts.length; i += VOLUME_SLOTS) {
        const batch = receipts.slice(i, i + VOLUME_SLOTS);
        const channels = batch.map((r) => r.channel.channelId);
        try {
          const witness = buildVolumeWitness({
            epoch,
            provider,
            providerSecret: secret,
            leaves,
            items: batch.map((r) => ({ channel: r.channel, receipt: r.receipt })),
          });
          const { proof } = await proveVolume(witness);
          await claimVolume(client, {
            deployment,
            provider,
            epoch,
            root: witness.root,
            nullifiers: witness.nullifiers,
            bytes: witness.totalBytes,
            value: witness.totalValue,
            proof,
          });
          store.markClaimed(channels, epoch);
          results.push({ epoch, channels, bytes: witness.totalBytes, value: witness.totalValue });
          this.#logger.info(
            { epoch, receipts: batch.length, bytes: witness.totalBytes, value: witness.totalValue },
            'served volume claimed',
          );
        } catch (error) {
          if (error instanceof CallRevertedError && error.meta.errorName === 'NullifierUsed') {
            // Some channel of the batch was counted before (a crash after the claim, before markClaimed):
            // claim the others alone next run.
            await this.#markCounted(batch, epoch, secret);
            continue;
          }
          this.#logger.warn({ code: codeOf(error), err: error, epoch }, 'served volume claim failed; retrying later');
        }
      }
    }
    return results;
  }

  /** A receipt that can never be proven (bad signature, over the deposit, another payee) is left out, said once. */
  #usable(r: StoredVolumeReceipt, provider: Address): boolean {
    try {
      checkVolumeClaimItem({ channel: r.channel, receipt: r.receipt }, r.receipt.epoch, provider);
      return true;
    } catch (error) {
      if (!this.#refused.has(r.channel.channelId)) {
        this.#refused.add(r.channel.channelId);
        this.#logger.warn({ code: codeOf(error), channelId: r.channel.channelId }, 'volume receipt cannot be claimed');
      }
      return false;
    }
  }

  async #commitKey(provider: Address, key: bigint): Promise<void> {
    const { client, deployment } = this.#p;
    if ((await providerVolumeKey(client, { deployment, provider })) === 0n)
      await registerProviderVolumeKey(client, { deployment, key });
  }

  async #register(r: StoredVolumeReceipt): Promise<void> {
    const { client, deployment } = this.#p;
    const registered = await readContract(client, {
      address: requireVolumeLedger(deployment),
      abi: volumeLedgerAbi,
      functionName: 'registeredDeposit',
      args: [r.channel.channelId],
    });
    if (registered >= r.channel.deposit) return;
    await registerVolumeChannel(client, {
      deployment,
      channelId: r.channel.channelId,
      key: r.channel.key,
      signature: r.registrationSignature,
    });
  }

  /** Marks the channels of `batch` whose nullifier is spent. */
  async #markCounted(batch: StoredVolumeReceipt[], epoch: bigint, secret: bigint): Promise<void> {
    const { client, deployment, store } = this.#p;
    for (const r of batch) {
      const used = await readContract(client, {
        address: requireVolumeLedger(deployment),
        abi: volumeLedgerAbi,
        functionName: 'nullifierUsed',
        args: [volumeNullifier(r.channel.channelId, secret)],
      });
      if (used) store.markClaimed([r.channel.channelId], epoch);
    }
  }

  start(): void {
    let busy = false;
    const run = () => {
      if (busy) return; // one run at a time: a proof takes seconds, and runs share the account's nonces
      busy = true;
      this.#running = this.runOnce()
        .catch((error) => this.#logger.warn({ code: codeOf(error), err: error }, 'served volume claims failed'))
        .finally(() => {
          busy = false;
        });
    };
    readVolumeEpoch(this.#p.client, { deployment: this.#p.deployment })
      .then(({ epochLength }) => {
        this.#timer = setInterval(run, Number(epochLength) * 500);
        this.#timer.unref();
        run();
      })
      .catch((error) => this.#logger.warn({ code: codeOf(error), err: error }, 'no volume ledger; not claiming'));
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#running;
  }
}
