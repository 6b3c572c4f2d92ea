/**
 * A home network behind a NAT router, for the NAT traversal tests (docs/nat.md): `router` is a namespace of a
 * `createTopology` (its veth to the root namespace is its "internet" side); this adds a `home` namespace on a
 * private /24 behind it, default route via the router, and on the router IPv4 forwarding and an nftables
 * MASQUERADE of the home subnet out of its internet side — with no port forward (no DNAT), so nothing can
 * open a connection into the home — and, like a home router's firewall, a drop of every new connection
 * arriving on its internet side (counted: `droppedInbound()`). `fullyRandom` masquerades with `fully-random` (a random source port per
 * mapping: what endpoint-dependent NATs do). Removed by `destroy()`, and when the test process exits.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import type { Namespace } from './netns.ts';

export type Home = {
  /** The home namespace (behind the NAT); `ip` is its private address, `gateway` the router's home side. */
  home: Namespace;
  /** The router's public address (its internet side): what the NAT maps home connections to. */
  publicIp: string;
  /** New connections from the internet the router dropped so far. */
  droppedInbound(): number;
  destroy(): void;
};

const live = new Set<Home>();
let exitHookInstalled = false;

function sh(args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
}

export function createHomeBehindNat(router: Namespace, { fullyRandom = false } = {}): Home {
  const octet = (process.pid % 200) + 20;
  const home: Namespace = {
    name: `${router.name}-home`,
    ip: `10.78.${octet}.2`,
    gateway: `10.78.${octet}.1`,
    veth: `bx${process.pid}hn`,
    rootVeth: `bx${process.pid}hr`,
  };
  const result: Home = {
    home,
    publicIp: router.ip,
    droppedInbound: () => {
      const out = execFileSync('ip', ['netns', 'exec', router.name, 'nft', 'list', 'chain', 'ip', 'bxnat', 'inbound'], {
        encoding: 'utf8',
      });
      return Number(/counter packets (\d+)/.exec(out)?.[1] ?? 'NaN');
    },
    destroy: () => {
      live.delete(result);
      spawnSync('ip', ['netns', 'del', home.name], { stdio: 'ignore' });
    },
  };
  live.add(result);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const h of live) h.destroy();
    });
  }
  try {
    sh(['netns', 'add', home.name]);
    // The pair is made inside the router; one end moves into the home.
    const inRouter = (...args: string[]) => sh(['netns', 'exec', router.name, 'ip', ...args]);
    const inHome = (...args: string[]) => sh(['netns', 'exec', home.name, 'ip', ...args]);
    inRouter('link', 'add', home.rootVeth, 'type', 'veth', 'peer', 'name', home.veth);
    inRouter('link', 'set', home.veth, 'netns', home.name);
    inRouter('addr', 'add', `${home.gateway}/24`, 'dev', home.rootVeth);
    inRouter('link', 'set', home.rootVeth, 'up');
    inHome('link', 'set', 'lo', 'up');
    inHome('addr', 'add', `${home.ip}/24`, 'dev', home.veth);
    inHome('link', 'set', home.veth, 'up');
    inHome('route', 'add', 'default', 'via', home.gateway);
    execFileSync('ip', ['netns', 'exec', router.name, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1'], {
      stdio: 'ignore',
    });
    const ruleset = [
      'table ip bxnat {',
      '  chain postnat {',
      '    type nat hook postrouting priority srcnat; policy accept;',
      `    ip saddr 10.78.${octet}.0/24 oifname "${router.veth}" masquerade${fullyRandom ? ' fully-random' : ''}`,
      '  }',
      '  chain inbound {',
      '    type filter hook input priority filter; policy accept;',
      `    iifname "${router.veth}" ct state new counter drop`,
      '  }',
      '  chain forwarded {',
      '    type filter hook forward priority filter; policy accept;',
      `    iifname "${router.veth}" ct state new drop`,
      '  }',
      '}',
    ].join('\n');
    execFileSync('ip', ['netns', 'exec', router.name, 'nft', '-f', '-'], {
      input: ruleset,
      stdio: ['pipe', 'ignore', 'pipe'],
    });
  } catch (error) {
    result.destroy();
    throw error;
  }
  return result;
}
