/**
 * Who may speak for an epoch: the auditor committee of each (provider, epoch), read from
 * `ProviderRegistry.committeeOf` and kept (a drawn committee never changes). Audit gossip accepts a
 * report or a slash signature only from a member of the committee it concerns, so reputation's median
 * and every slash rest on the committee alone, and an auditor measures only the providers whose
 * committee it sits on.
 */
import type { Address } from 'viem';
import { readContract } from 'viem/actions';
import { providerRegistryAbi } from '../chain/abi/providerRegistry.ts';
import { type Committee, readCommittee } from '../chain/actions/readCommittee.ts';
import type { ReadClient } from '../chain/chainClient.ts';

/** Committees older than this many epochs behind the newest asked for are forgotten. */
const KEEP_EPOCHS = 8;
/** Epochs a report may concern, behind the chain's current one (the reputation book keeps 64); one ahead. */
export const EPOCHS_BEHIND = 64;
/** How long the chain's current epoch is trusted before it is read again. */
const CURRENT_EPOCH_TTL_MS = 10_000;

export type CommitteeSource = (provider: Address, epoch: number) => Promise<Committee | undefined>;
/** The chain's current epoch (`ProviderRegistry.currentEpoch`). */
export type EpochSource = () => Promise<number>;

export class CommitteeBook {
  readonly #read: CommitteeSource;
  readonly #currentEpoch: EpochSource;
  readonly #committees = new Map<string, Promise<Committee | undefined>>();
  #newest = 0;
  #current?: { epoch: number; at: number };

  /**
   * `currentEpoch` bounds what is read: a committee is looked up only for the `EPOCHS_BEHIND` epochs before
   * the current one and the next, so gossip about made-up epochs costs no chain read per message.
   */
  constructor(read: CommitteeSource, currentEpoch: EpochSource) {
    this.#read = read;
    this.#currentEpoch = currentEpoch;
  }

  /** Reads committees from the registry at `registry` through `client`. */
  static onChain(client: ReadClient, registry: Address): CommitteeBook {
    return new CommitteeBook(
      (provider, epoch) => readCommittee(client, { registry, provider, epoch }),
      async () =>
        Number(
          await readContract(client, { address: registry, abi: providerRegistryAbi, functionName: 'currentEpoch' }),
        ),
    );
  }

  /**
   * The committee of `provider` in `epoch`, or `undefined` while the epoch's seed is not drawn or when the
   * epoch is out of range (more than `EPOCHS_BEHIND` before the current one, or after the next).
   */
  async committee(provider: Address, epoch: number): Promise<Committee | undefined> {
    const current = await this.#now();
    if (epoch < current - EPOCHS_BEHIND || epoch > current + 1) return undefined;
    const key = `${provider.toLowerCase()}:${epoch}`;
    let entry = this.#committees.get(key);
    if (!entry) {
      entry = this.#read(provider, epoch);
      this.#committees.set(key, entry);
      this.#newest = Math.max(this.#newest, epoch);
      for (const k of this.#committees.keys())
        if (Number(k.split(':')[1]) < this.#newest - KEEP_EPOCHS) this.#committees.delete(k);
    }
    try {
      const committee = await entry;
      // Not drawn yet: ask again next time rather than remember the absence.
      if (!committee) this.#committees.delete(key);
      return committee;
    } catch (error) {
      this.#committees.delete(key);
      throw error;
    }
  }

  async #now(): Promise<number> {
    const cached = this.#current;
    if (cached && Date.now() - cached.at < CURRENT_EPOCH_TTL_MS) return cached.epoch;
    const epoch = await this.#currentEpoch();
    this.#current = { epoch, at: Date.now() };
    return epoch;
  }

  async isMember(auditor: Address, provider: Address, epoch: number): Promise<boolean> {
    const committee = await this.committee(provider, epoch);
    return committee?.members.some((m) => m.toLowerCase() === auditor.toLowerCase()) ?? false;
  }
}
