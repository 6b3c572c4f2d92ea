/**
 * The VPN's nftables rulesets: what they say (pure), and — where nft and root are available — that nft
 * accepts them (`nft --check`: parsed and validated by the kernel's rules engine, nothing applied).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { parseIpv4Cidr } from './ipv4.ts';
import { gatewayRuleset, killSwitchRuleset } from './nftRules.ts';

const nftCheck = (ruleset: string) => spawnSync('nft', ['--check', '-f', '-'], { input: ruleset, encoding: 'utf8' });
const canCheck = (() => {
  const probe = nftCheck('table inet bandex_probe {}\n');
  if (probe.error) return 'nft is not installed (apt-get install nftables)';
  return probe.status === 0 ? undefined : `nft --check needs CAP_NET_ADMIN: ${probe.stderr.trim()}`;
})();

const killSwitch = killSwitchRuleset({
  ifname: 'bandex0',
  entry: '203.0.113.7',
  exclude: ['192.168.1.0/24', 'fd00::/8'],
});
/** Before the first path: the control plane only (then the chosen entry is added). */
const early = killSwitchRuleset({ ifname: 'bandex0', control: ['198.51.100.9', '203.0.113.1'], exclude: [] });
const gateway = gatewayRuleset({
  ifname: 'bandexgw0',
  subnet: parseIpv4Cidr('10.213.0.0/16'),
  allow: ['10.77.0.0/16', 'fd00::/8'],
  deny: ['198.51.100.7/32'],
  denyPorts: [25],
});

test('kill switch: output and forward drop by default, IPv6 included; only loopback, the tunnel, the entry and exclusions pass', () => {
  assert.match(killSwitch, /table inet bandex_vpn_bandex0 \{/);
  assert.match(killSwitch, /chain output \{\n\s+type filter hook output priority 0; policy drop;/);
  assert.match(killSwitch, /chain forward \{\n\s+type filter hook forward priority 0; policy drop;/);
  assert.match(killSwitch, /oifname "lo" accept/);
  assert.match(killSwitch, /oifname "bandex0" meta nfproto ipv4 accept/);
  assert.match(killSwitch, /ip daddr \{ 203\.0\.113\.7, 192\.168\.1\.0\/24 \} accept/);
  assert.doesNotMatch(killSwitch, /fd00/, 'IPv6 exclusions are not honoured: IPv6 stays blocked');
  assert.doesNotMatch(killSwitch, /ip6/);
});

test('gateway: no client reaches the provider or another client; the exit policy holds for forwarded packets', () => {
  assert.match(gateway, /chain input \{[^}]*iifname "bandexgw0" drop/);
  assert.match(gateway, /iifname "bandexgw0" oifname "bandexgw0" drop/);
  assert.match(gateway, /iifname "bandexgw0" meta nfproto ipv6 drop/);
  assert.match(gateway, /th dport \{ 25 \} drop/);
  // Order: deny, then allow, then the built-in non-public ranges.
  const deny = gateway.indexOf('ip daddr { 198.51.100.7/32 } drop');
  const allow = gateway.indexOf('ip daddr { 10.77.0.0/16 } accept');
  const builtin = gateway.search(/ip daddr \{ 0\.0\.0\.0\/8, 10\.0\.0\.0\/8, [^}]*127\.0\.0\.0\/8 \} drop/);
  assert.ok(deny > 0 && deny < allow && allow < builtin, gateway);
  assert.match(gateway, /ip saddr 10\.213\.0\.0\/16 oifname != "bandexgw0" masquerade/);
});

test('nft accepts both rulesets', { skip: canCheck }, () => {
  for (const ruleset of [killSwitch, gateway]) {
    const result = nftCheck(ruleset);
    assert.equal(result.status, 0, `${result.stderr}\n${ruleset}`);
  }
});

test('early kill switch: the control plane alone may be reached directly; nothing at all with none given', () => {
  assert.match(early, /ip daddr \{ 198\.51\.100\.9\/32, 203\.0\.113\.1\/32 \} accept/);
  assert.match(early, /policy drop;/);
  const none = killSwitchRuleset({ ifname: 'bandex0', exclude: [] });
  assert.doesNotMatch(
    none,
    /ip daddr/,
    'no empty set (nft would refuse it): nothing passes but loopback and the tunnel',
  );
  if (!canCheck) for (const ruleset of [early, none]) assert.equal(nftCheck(ruleset).status, 0);
});
