/**
 * Issue 19: `bandex connect --vpn`, the system-wide VPN, in network namespaces with real tools
 * (`test/support/vpnLab.ts`: client `c`, exit provider `p` with `bandex node --vpn`, origin `o` with nginx,
 * dnsmasq, iperf3 and nftables counters by source address).
 *
 * With the VPN up in `c`: plain `curl` (no proxy flags) to a name only the origin's dnsmasq knows, `dig`
 * (UDP DNS) and an `iperf3 -u` transfer reach the origin only from the provider's address, and the
 * provider's claim grows with the bytes. SIGTERM tears the VPN down (routes, resolv.conf, nftables back
 * as before). A second client is then killed with SIGKILL: no packet from `c` reaches the origin (plain,
 * DNS or through the dead tunnel) until `bandex vpn down` restores the namespace. A third shows the kill switch
 * is in before the first path is built: curl tried while `connect --vpn` starts never reaches the origin.
 *
 * Needs root and Linux (skips saying why otherwise); needs wireguard-go, wg, nft, nginx, dnsmasq, dig and
 * iperf3 — a missing one fails the test naming its Debian package (`.ci/run` installs them).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { BANDEX } from '../support/cli.ts';
import { type Daemon, probeNetnsSupport } from '../support/netns.ts';
import { type ClientInfo, ORIGIN_NAME, startVpnLab, type VpnLab } from '../support/vpnLab.ts';

const STEP_TIMEOUT_MS = 180_000;
const support = probeNetnsSupport();

describe('issue 19: bandex connect --vpn in network namespaces', { skip: support.skip }, () => {
  let lab: VpnLab;
  let routesBefore: string;
  let first: { daemon: Daemon; info: ClientInfo };
  const figures: string[] = [];
  const routes = () => lab.must(lab.c, 'ip', ['-4', 'route', 'show', 'table', 'all']);
  const literal = (ip: string) => ip.replace(/\./g, '\\.');

  before(
    async () => {
      lab = await startVpnLab();
      assert.equal(lab.provider.vpn?.interface, lab.gatewayIf);
      // Before any VPN: the origin answers the client directly.
      const page = await lab.must(lab.c, 'curl', ['-sS', '--max-time', '10', `http://${lab.o.ip}/`]);
      assert.match(page, /hello from the origin/);
      routesBefore = await routes();
    },
    { timeout: 600_000 },
  );

  after(
    async () => {
      if (figures.length > 0) console.log(figures.join('\n'));
      await lab?.stop();
    },
    { timeout: 60_000 },
  );

  it('with the VPN up, plain curl, DNS and a UDP transfer reach the origin only from the provider', {
    timeout: STEP_TIMEOUT_MS,
  }, async (t) => {
    const { c, o, p, must, sh } = lab;
    first = await lab.startClient();
    assert.equal(first.info.vpn?.interface, lab.clientIf, lab.logs());
    assert.deepEqual(first.info.vpn?.dns, [o.ip]);
    assert.match(readFileSync(lab.resolvFile, 'utf8'), new RegExp(`nameserver ${literal(o.ip)}`));
    const before = await lab.originCounters();

    // A name only the origin's dnsmasq knows, resolved through the tunnel, then plain HTTP.
    const page = await sh(c, 'curl', ['-sS', '--max-time', '20', `http://${ORIGIN_NAME}/`]);
    assert.equal(page.code, 0, `${page.stderr}\n${lab.logs()}`);
    assert.match(page.out, /hello from the origin/);
    const dig = await must(c, 'dig', ['+short', '+time=5', '+tries=2', `@${o.ip}`, ORIGIN_NAME]);
    assert.equal(dig.trim(), o.ip);
    const iperf = JSON.parse(
      await must(c, 'iperf3', ['-c', o.ip, '-u', '-b', '8M', '-t', '2', '-l', '1200', '-J'], 60_000),
    ) as { end: { sum: { bytes: number; lost_percent: number } } };
    const afterwards = await lab.originCounters();
    const line =
      `VPN: iperf3 -u 8 Mbit/s for 2 s: ${iperf.end.sum.bytes} bytes, ${iperf.end.sum.lost_percent.toFixed(1)} % lost; ` +
      `origin saw ${afterwards.fromProvider - before.fromProvider} packets from the provider, ` +
      `${afterwards.fromClient - before.fromClient} from the client`;
    figures.push(line);
    t.diagnostic(line);
    assert.equal(afterwards.fromClient - before.fromClient, 0, 'no packet from the client reached the origin');
    assert.ok(afterwards.fromProvider - before.fromProvider > 100, line);
    const access = readFileSync(join(lab.stateDir, 'access.log'), 'utf8').trim().split('\n').at(-1) ?? '';
    assert.ok(access.startsWith(`${p.ip} `), `nginx logged ${access}`);
  });

  it("the provider's claim grows with the VPN's bytes, and the exit never sees the client's address", {
    timeout: STEP_TIMEOUT_MS,
  }, async () => {
    const { c, o, p, must, sh } = lab;
    type ProviderStatus = { bytesServed: number };
    type ClientStatus = { path: { paidWei: string }[] };
    const served0 = (await lab.status<ProviderStatus>(p, lab.provider.api)).bytesServed;
    const paid0 = BigInt((await lab.status<ClientStatus>(c, first.info.api)).path[0]?.paidWei ?? '0');
    const download = await sh(c, 'curl', [
      '-sS',
      '--max-time',
      '60',
      '-o',
      '/dev/null',
      '-w',
      '%{size_download}',
      `http://${o.ip}/big.bin`,
    ]);
    assert.equal(download.code, 0, download.stderr);
    assert.equal(Number(download.out), lab.bigBytes);
    const served = (await lab.status<ProviderStatus>(p, lab.provider.api)).bytesServed - served0;
    assert.ok(served >= lab.bigBytes, `the provider counted ${served} bytes for a ${lab.bigBytes}-byte download`);
    // The client pays as bytes arrive: its last voucher may be on its way when curl ends.
    let paid = paid0;
    for (let i = 0; i < 100 && paid <= paid0; i++) {
      paid = BigInt((await lab.status<ClientStatus>(c, first.info.api)).path[0]?.paidWei ?? '0');
      if (paid <= paid0) await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(paid > paid0, 'the client paid for the VPN bytes');
    // wireguard-go at the exit knows its peer only at 127.0.0.1 (the gateway's end of the flow).
    const endpoints = await must(p, 'wg', ['show', lab.gatewayIf, 'endpoints']);
    assert.match(endpoints, /127\.0\.0\.1:\d+/);
    assert.ok(!endpoints.includes(c.ip), endpoints);
    // And the exit's own address on the VPN subnet is no destination.
    const gatewayPage = await sh(c, 'curl', ['-sS', '--max-time', '3', 'http://10.213.0.1/']);
    assert.notEqual(gatewayPage.code, 0);
  });

  it('a path rebuild: the VPN reconnects on the new session with fresh keys, still only through the provider', {
    timeout: STEP_TIMEOUT_MS,
  }, async () => {
    const { c, o, p, must, sh } = lab;
    const keyBefore = (await must(c, 'wg', ['show', lab.clientIf, 'public-key'])).trim();
    const token = readFileSync(join(lab.clientDir, 'api.token'), 'utf8').trim();
    await must(c, 'curl', [
      '-sS',
      '--fail',
      '-X',
      'POST',
      '-H',
      `authorization: Bearer ${token}`,
      `${first.info.api}/api/path/rebuild`,
    ]);
    const before = await lab.originCounters();
    // Traffic is blocked until the new handshake is done, then flows again (bounded number of tries).
    let page = await sh(c, 'curl', ['-sS', '--max-time', '3', `http://${o.ip}/`]);
    for (let i = 0; i < 40 && page.code !== 0; i++)
      page = await sh(c, 'curl', ['-sS', '--max-time', '3', `http://${o.ip}/`]);
    assert.equal(page.code, 0, `no traffic after the rebuild\n${lab.logs()}`);
    assert.match(page.out, /hello from the origin/);
    assert.notEqual(
      (await must(c, 'wg', ['show', lab.clientIf, 'public-key'])).trim(),
      keyBefore,
      'a fresh client key',
    );
    const afterwards = await lab.originCounters();
    assert.equal(afterwards.fromClient - before.fromClient, 0);
    assert.ok(afterwards.fromProvider > before.fromProvider);
    // The old session's peer is gone from the exit once that session closed.
    let peers = (await must(p, 'wg', ['show', lab.gatewayIf, 'peers'])).trim().split('\n');
    for (let i = 0; i < 50 && peers.length > 1; i++) {
      await new Promise((r) => setTimeout(r, 200));
      peers = (await must(p, 'wg', ['show', lab.gatewayIf, 'peers'])).trim().split('\n');
    }
    assert.equal(peers.length, 1, peers.join(', '));
  });

  it('SIGTERM tears the VPN down: routes, resolv.conf and nftables as before', {
    timeout: STEP_TIMEOUT_MS,
  }, async () => {
    await first.daemon.stop(20_000);
    assert.equal(await routes(), routesBefore);
    assert.equal(readFileSync(lab.resolvFile, 'utf8'), lab.resolvBefore);
    assert.doesNotMatch(await lab.must(lab.c, 'nft', ['list', 'tables']), /bandex_vpn/);
    assert.doesNotMatch(await lab.must(lab.c, 'ip', ['link', 'show']), new RegExp(lab.clientIf));
  });

  it('kill -9: no packet leaves for the origin (plain, DNS, tunnel) until bandex vpn down', {
    timeout: STEP_TIMEOUT_MS,
  }, async () => {
    const { c, o, must, sh } = lab;
    const second = await lab.startClient();
    assert.match((await sh(c, 'curl', ['-sS', '--max-time', '20', `http://${o.ip}/`])).out, /hello/, lab.logs());
    second.daemon.child.kill('SIGKILL');
    await second.daemon.stop(1_000);
    const before = await lab.originCounters();
    const curl = await sh(c, 'curl', ['-sS', '--max-time', '3', `http://${o.ip}/`]);
    assert.notEqual(curl.code, 0, 'curl must fail with the client dead');
    const viaResolvConf = await sh(c, 'dig', ['+time=1', '+tries=1', ORIGIN_NAME]);
    const direct = await sh(c, 'dig', ['+time=1', '+tries=1', `@${o.ip}`, ORIGIN_NAME]);
    assert.notEqual(viaResolvConf.code, 0, 'DNS through resolv.conf must fail');
    assert.notEqual(direct.code, 0, 'DNS straight to a resolver must fail');
    const iperf = await sh(c, 'iperf3', ['-c', o.ip, '-u', '-b', '1M', '-t', '1', '--connect-timeout', '1000']);
    assert.notEqual(iperf.code, 0);
    const afterwards = await lab.originCounters();
    assert.equal(afterwards.fromClient - before.fromClient, 0, 'nothing from the client address');
    assert.equal(afterwards.fromProvider - before.fromProvider, 0, 'nothing through the dead tunnel');

    const down = await sh(c, process.execPath, [BANDEX, 'vpn', 'down', '--state-dir', lab.clientDir]);
    assert.equal(down.code, 0, down.stderr);
    assert.equal(await routes(), routesBefore);
    assert.equal(readFileSync(lab.resolvFile, 'utf8'), lab.resolvBefore);
    assert.match(await must(c, 'curl', ['-sS', '--max-time', '10', `http://${o.ip}/`]), /hello from the origin/);
    assert.ok((await lab.originCounters()).fromClient > afterwards.fromClient, 'direct again after vpn down');
  });

  it('the kill switch is in before the first path is built: nothing reaches the origin directly while connect --vpn starts', {
    timeout: STEP_TIMEOUT_MS,
  }, async () => {
    const { c, o, must, sh } = lab;
    let ready = false;
    const starting = lab.startClient().finally(() => {
      ready = true;
    });
    // The early kill switch goes in before the client dials anything (it needs the RPC's answer first).
    while (!ready && !(await must(c, 'nft', ['list', 'tables'])).includes('bandex_vpn')) await sleep(20);
    const before = await lab.originCounters();
    let attempts = 0;
    while (!ready) {
      const curl = await sh(c, 'curl', ['-sS', '--max-time', '1', `http://${o.ip}/`]);
      if (ready) break; // the VPN came up while this one ran: it may have gone through the tunnel
      attempts++;
      assert.notEqual(curl.code, 0, `curl reached the origin while the first path was being built\n${lab.logs()}`);
    }
    const third = await starting;
    assert.ok(attempts > 0, 'curl was tried while the client was starting');
    assert.equal((await lab.originCounters()).fromClient - before.fromClient, 0, 'nothing from the client address');
    assert.match((await sh(c, 'curl', ['-sS', '--max-time', '20', `http://${o.ip}/`])).out, /hello/, lab.logs());
    assert.equal((await lab.originCounters()).fromClient - before.fromClient, 0, 'and then only through the tunnel');
    await third.daemon.stop(20_000);
    assert.doesNotMatch(await must(c, 'nft', ['list', 'tables']), /bandex_vpn/);
  });
});
