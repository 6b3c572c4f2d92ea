import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadVpnState, saveVpnState, tearDownVpn, vpnDown, vpnStateFile } from './vpnState.ts';

test('bandex vpn down with nothing to undo says so (VPN_NOT_UP) and changes nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bandex-vpnstate-'));
  try {
    await assert.rejects(vpnDown(dir), { code: 'VPN_NOT_UP' });
    assert.ok(!existsSync(vpnStateFile(dir)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('teardown restores the resolver file byte for byte, tolerates what is gone, runs any number of times', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bandex-vpnstate-'));
  try {
    const resolv = join(dir, 'resolv.conf');
    const original = '# the ISP\nnameserver 192.0.2.53\noptions edns0\n';
    writeFileSync(resolv, 'nameserver 10.213.0.1\n');
    const file = vpnStateFile(dir);
    // An interface name no host has: its deletion and the kill switch's fail quietly (already gone).
    saveVpnState(file, {
      ifname: `bxt${process.pid % 100_000}`,
      routes: [],
      resolvConf: { file: resolv, original },
      killSwitch: true,
    });
    assert.equal(loadVpnState(file)?.resolvConf?.original, original);
    await vpnDown(dir);
    assert.equal(readFileSync(resolv, 'utf8'), original);
    assert.ok(!existsSync(file), 'the state file is forgotten once undone');
    await tearDownVpn({ ifname: `bxt${process.pid % 100_000}`, routes: [], killSwitch: true });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
