/**
 * The exit's VPN gateway against a misbehaving client (issue 19), real wireguard-go and real tunnel
 * sessions, in a throwaway network namespace (the gateway changes its namespace: interface, forwarding,
 * nftables). Who gains by breaking it: a client that would get a WireGuard peer (a way out through the
 * exit's NAT) without a handshake, exhaust the exit's addresses, or keep its peer after its paid session.
 * Needs root and Linux (skips saying why otherwise) and wireguard-go (fails naming the package).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { ROOT } from '../support/cli.ts';
import { createTopology, type Namespace, probeNetnsSupport, type Topology } from '../support/netns.ts';

const support = probeNetnsSupport();

describe('issue 19: the VPN gateway refuses what a client may not do', { skip: support.skip }, () => {
  let topology: Topology | undefined;
  const ifname = `bxa${process.pid % 1_000_000}`;
  let seen: Record<string, unknown>;

  before(() => {
    if ((spawnSync('wireguard-go', ['--version']).error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
      assert.fail('wireguard-go is missing: apt-get install wireguard-go (.ci/run installs it)');
    }
    topology = createTopology(['g'], { netem: false });
    const ns = topology.namespaces[0] as Namespace;
    const output = execFileSync(
      'ip',
      ['netns', 'exec', ns.name, process.execPath, 'test/support/vpnGatewayProbe.ts', ifname],
      { cwd: ROOT, encoding: 'utf8', timeout: 120_000 },
    );
    seen = JSON.parse(output.trim().split('\n').at(-1) as string) as Record<string, unknown>;
  });

  after(() => {
    topology?.destroy();
    rmSync(`/var/run/wireguard/${ifname}.sock`, { force: true });
  });

  it('no data flow before a handshake; no other port; a bad or endless handshake allocates nothing', () => {
    assert.equal(seen.flowBeforeHandshake, 'TUNNEL_OPEN_FAILED');
    assert.equal(seen.otherPort, 'TUNNEL_OPEN_FAILED');
    assert.equal(seen.oversized, 'VPN_HANDSHAKE');
    assert.equal(seen.badKey, 'VPN_HANDSHAKE');
    assert.equal(seen.peersAfterBad, 0);
    assert.equal(seen.availableAfterBad, seen.available);
  });

  it('one peer per session (a second handshake replaces the first), each with its own /32', () => {
    assert.match(String(seen.first), /^10\.214\.0\.\d+$/);
    assert.match(String(seen.second), /^10\.214\.0\.\d+$/);
    assert.deepEqual(seen.peersAfterTwo, [`${seen.second}/32`]);
    assert.equal(seen.flowAfterHandshake, 'open');
    assert.notEqual(seen.otherSession, seen.second);
  });

  it("a session's end removes its peer and frees its address", () => {
    assert.deepEqual(seen.peersAfterClose, [`${seen.otherSession}/32`]);
    assert.equal(seen.availableAtEnd, seen.available);
  });
});
