/**
 * What a running VPN changed on this host, written to `<stateDir>/vpn-state.json` before each change
 * so that `bandex vpn down` can undo it after a crash, and `tearDownVpn` undoes it in reverse: DNS
 * restored, routes removed, interface deleted (wireguard-go exits with it), kill switch table deleted
 * last. Every step tolerates what is already gone, so teardown can run any number of times.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { killSwitchTable } from './nftRules.ts';
import { VpnError } from './VpnError.ts';
import { deleteWireguardInterface, runTool } from './wireguardGo.ts';

export type VpnState = {
  ifname: string;
  /** Routes added outside the tunnel (entry hop, exclusions), each `ip route` argument list. */
  routes: string[][];
  /** The resolver file replaced, with its content before (restored byte for byte). */
  resolvConf?: { file: string; original: string };
  killSwitch: boolean;
};

export const vpnStateFile = (stateDir: string) => join(stateDir, 'vpn-state.json');

export function saveVpnState(file: string, state: VpnState): void {
  writeFileSync(file, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
}

export function loadVpnState(file: string): VpnState | undefined {
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as VpnState;
}

/** Undoes everything `state` records; `keepKillSwitch` leaves the block in place (a reconnect). */
export async function tearDownVpn(state: VpnState, { keepKillSwitch = false } = {}): Promise<void> {
  if (state.resolvConf) writeFileSync(state.resolvConf.file, state.resolvConf.original);
  for (const route of state.routes) await runTool('ip', ['route', 'delete', ...route]).catch(() => {});
  await deleteWireguardInterface(state.ifname);
  if (state.killSwitch && !keepKillSwitch) {
    await runTool('nft', ['delete', 'table', 'inet', killSwitchTable(state.ifname)]).catch(() => {});
  }
}

/** `bandex vpn down`: undoes a VPN left by a client that is gone (crash, kill -9), then forgets it. */
export async function vpnDown(stateDir: string): Promise<VpnState> {
  const file = vpnStateFile(stateDir);
  const state = loadVpnState(file);
  if (!state) {
    throw new VpnError('no VPN is up for this state directory', {
      code: 'VPN_NOT_UP',
      details: `${file} does not exist (pass the --state-dir bandex connect --vpn used)`,
    });
  }
  await tearDownVpn(state);
  rmSync(file, { force: true });
  return state;
}
