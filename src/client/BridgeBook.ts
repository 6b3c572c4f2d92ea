/**
 * The bridges a client was given (verified bridge lines, `net/bridgeLine.ts`): which providers to enter
 * through, and the transports each handed out privately. A line is bound to the tunnel key it was signed
 * for: once the provider's offer names another key, its transports are not used (the line is stale).
 */
import { type Address, isAddressEqual } from 'viem';
import type { Logger } from '../log/logger.ts';
import type { Bridge } from '../net/bridgeLine.ts';
import { isTransportName, type OfferTransport, type TransportName } from '../transport/transportSpec.ts';

export class BridgeBook {
  readonly #bridges: readonly Bridge[];
  readonly #logger: Logger | undefined;
  readonly #warned = new Set<string>();

  constructor(bridges: readonly Bridge[], logger?: Logger) {
    this.#bridges = bridges;
    this.#logger = logger;
  }

  get size(): number {
    return this.#bridges.length;
  }

  /** The bridges' providers, in the order given, each once. */
  providers(): Address[] {
    const out: Address[] = [];
    for (const b of this.#bridges) if (!out.some((a) => isAddressEqual(a, b.provider))) out.push(b.provider);
    return out;
  }

  /** The transport names the bridges list, in order, each once: the client's policy when it has bridges. */
  policy(): TransportName[] {
    const out: TransportName[] = [];
    for (const b of this.#bridges)
      for (const t of b.transports) if (isTransportName(t.name) && !out.includes(t.name)) out.push(t.name);
    return out;
  }

  /** The transports `provider` handed out for `tunnelPublicKey`; none when the line is for another key. */
  transportsFor(provider: Address, tunnelPublicKey: string): OfferTransport[] {
    const out: OfferTransport[] = [];
    for (const b of this.#bridges) {
      if (!isAddressEqual(b.provider, provider)) continue;
      if (b.tunnelPublicKey !== tunnelPublicKey) {
        const key = `${provider} ${b.tunnelPublicKey}`;
        if (!this.#warned.has(key)) {
          this.#warned.add(key);
          this.#logger?.warn({ provider }, 'bridge line is for an older tunnel key: ask for a new line');
        }
        continue;
      }
      for (const t of b.transports) if (!out.some((o) => o.name === t.name)) out.push(t);
    }
    return out;
  }
}
