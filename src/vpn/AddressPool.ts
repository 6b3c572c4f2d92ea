/**
 * The exit's VPN addresses (pure): one /32 per session out of its private subnet; `.1` (the first host)
 * is the exit's own end, the network and broadcast addresses are never given. A released address is
 * given again only after every other free one (a late packet for the old session cannot reach a new one).
 */
import { formatIpv4Cidr, type Ipv4Cidr, numberToIpv4, parseIpv4Cidr } from './ipv4.ts';
import { VpnError } from './VpnError.ts';

export class AddressPool {
  readonly subnet: Ipv4Cidr;
  /** The exit's own address in the subnet. */
  readonly gateway: string;
  readonly #free: number[] = [];
  readonly #taken = new Set<number>();

  constructor(subnet: string) {
    this.subnet = parseIpv4Cidr(subnet);
    const size = 2 ** (32 - this.subnet.prefix);
    if (this.subnet.prefix > 29) {
      throw new VpnError(`VPN subnet ${formatIpv4Cidr(this.subnet)} is too small`, {
        code: 'VPN_BAD_OPTION',
        details: 'use a /29 or larger private subnet',
      });
    }
    this.gateway = numberToIpv4(this.subnet.network + 1);
    for (let host = 2; host < size - 1; host++) this.#free.push(this.subnet.network + host);
  }

  get available(): number {
    return this.#free.length;
  }

  take(): string {
    const n = this.#free.shift();
    if (n === undefined) {
      throw new VpnError('no VPN address left', {
        code: 'VPN_POOL_EXHAUSTED',
        details: `every address of ${formatIpv4Cidr(this.subnet)} is in use`,
      });
    }
    this.#taken.add(n);
    return numberToIpv4(n);
  }

  release(address: string): void {
    const n = parseIpv4Cidr(address).network;
    if (this.#taken.delete(n)) this.#free.push(n);
  }
}
