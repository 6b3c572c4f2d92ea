/**
 * Who may speak for an epoch: the auditor committee of each (provider, epoch), read from
 * `ProviderRegistry.committeeOf` and kept (a drawn committee never changes). Audit gossip accepts a
 * report or a slash signature only from a member of the committee it concerns, so reputation's median
 * and every slash rest on the committee alone, and an auditor measures only the providers whose
 * committee it sits on.
 */
import type { Address } from 'viem';
import { type Committee, readCommittee } from '../chain/actions/readCommittee.ts';
import type { ReadClient } from '../chain/chainClient.ts';

/** Committees older than this many epochs behind the newest asked for are forgotten. */
const KEEP_EPOCHS = 8;

export type CommitteeSource = (provider: Address, epoch: number) => Promise<Committee | undefined>;

export class CommitteeBook {
  readonly #read: CommitteeSource;
  readonly #committees = new Map<string, Promise<Committee | undefined>>();
  #newest = 0;

  constructor(read: CommitteeSource) {
    this.#read = read;
  }

  /** Reads committees from the registry at `registry` through `client`. */
  static onChain(client: ReadClient, registry: Address): CommitteeBook {
    return new CommitteeBook((provider, epoch) => readCommittee(client, { registry, provider, epoch }));
  }

  /** The committee of `provider` in `epoch`, or `undefined` while the epoch's seed is not drawn. */
  async committee(provider: Address, epoch: number): Promise<Committee | undefined> {
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

  async isMember(auditor: Address, provider: Address, epoch: number): Promise<boolean> {
    const committee = await this.committee(provider, epoch);
    return committee?.members.some((m) => m.toLowerCase() === auditor.toLowerCase()) ?? false;
  }
}
