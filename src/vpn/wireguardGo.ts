/**
 * One wireguard-go interface, driven through its text control protocol (the cross-platform UAPI:
 * `set=1` / `get=1` key=value lines ended by an empty line, answered with `errno=N`) on
 * `/var/run/wireguard/<name>.sock`. `createWireguardInterface` starts wireguard-go for a name (it forks
 * itself into the background and exits once the interface exists, so the interface outlives this
 * process: a crashed client leaves it, and its routes, in place for the kill switch) and returns the
 * handle; `ip link del <name>` ends it.
 */
import { execFile } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { WIREGUARD_RUN_DIR } from './constants.ts';
import { VpnError } from './VpnError.ts';

const UAPI_TIMEOUT_MS = 10_000;
const MAX_UAPI_ANSWER = 1 << 20;

/** Runs a command to completion; a missing tool or a non-zero exit is a `VPN_TOOL_FAILED` naming it. */
export function runTool(command: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(command, args, { encoding: 'utf8', timeout: 30_000 }, (error, stdout, stderr) => {
      if (!error) return resolve(stdout);
      const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
      reject(
        new VpnError(missing ? `${command} is not installed` : `${command} ${args.join(' ')} failed`, {
          code: 'VPN_TOOL_FAILED',
          details: missing
            ? `install it (Debian: apt-get install ${packageOf(command)})`
            : `${stderr || error.message}`.trim(),
        }),
      );
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

function packageOf(command: string): string {
  return command === 'ip' ? 'iproute2' : command === 'nft' ? 'nftables' : command;
}

export const uapiSocketPath = (name: string) => join(WIREGUARD_RUN_DIR, `${name}.sock`);

/** One UAPI request (`set=1\n…` or `get=1\n`); resolves with the answer's key=value lines. */
export function uapiRequest(name: string, request: string): Promise<Map<string, string[]>> {
  return new Promise((resolve, reject) => {
    const socket = connect(uapiSocketPath(name));
    let answer = '';
    const fail = (details: string) => {
      socket.destroy();
      reject(new VpnError(`wireguard-go's control socket for ${name} failed`, { code: 'VPN_UAPI', details }));
    };
    socket.setTimeout(UAPI_TIMEOUT_MS, () => fail('no answer'));
    socket.on('error', (error) => fail(error.message));
    socket.on('data', (chunk) => {
      answer += chunk.toString('utf8');
      if (answer.length > MAX_UAPI_ANSWER) return fail('answer too long');
      if (!answer.endsWith('\n\n')) return;
      socket.end();
      const fields = new Map<string, string[]>();
      for (const line of answer.trim().split('\n')) {
        const at = line.indexOf('=');
        if (at > 0) fields.set(line.slice(0, at), [...(fields.get(line.slice(0, at)) ?? []), line.slice(at + 1)]);
      }
      const errno = fields.get('errno')?.[0];
      if (errno !== '0') fail(`errno=${errno ?? 'missing'}`);
      else resolve(fields);
    });
    // Exactly one empty line ends a request (a further newline would start another, empty one).
    socket.write(`${request.replace(/\n+$/, '')}\n\n`);
  });
}

/** Starts wireguard-go for `name` (a new interface); resolves once its control socket answers. */
export async function createWireguardInterface(name: string): Promise<void> {
  if (!/^[A-Za-z0-9_-]{1,15}$/.test(name)) {
    throw new VpnError(`bad interface name ${JSON.stringify(name)}`, {
      code: 'VPN_BAD_OPTION',
      details: '1 to 15 letters, digits, - or _',
    });
  }
  // Foreground mode off: wireguard-go daemonizes and this call returns when the device is up.
  await runTool('wireguard-go', [name]);
  if (!existsSync(uapiSocketPath(name))) {
    throw new VpnError(`wireguard-go made no control socket for ${name}`, {
      code: 'VPN_TOOL_FAILED',
      details: uapiSocketPath(name),
    });
  }
  await uapiRequest(name, 'get=1\n');
}

/**
 * Deletes the interface (wireguard-go exits with it) and its control socket, which wireguard-go leaves
 * behind when it is killed or its namespace goes away. Nothing to delete is no error.
 */
export async function deleteWireguardInterface(name: string): Promise<void> {
  await runTool('ip', ['link', 'delete', 'dev', name]).catch(() => {});
  rmSync(uapiSocketPath(name), { force: true });
}

/** Per-peer byte counters (`get=1`), by hex public key. */
export async function peerCounters(name: string): Promise<Map<string, { rx: number; tx: number }>> {
  const answer = await uapiRequest(name, 'get=1\n');
  const peers = new Map<string, { rx: number; tx: number }>();
  const keys = answer.get('public_key') ?? [];
  const rx = answer.get('rx_bytes') ?? [];
  const tx = answer.get('tx_bytes') ?? [];
  for (const [i, key] of keys.entries()) peers.set(key, { rx: Number(rx[i] ?? 0), tx: Number(tx[i] ?? 0) });
  return peers;
}
