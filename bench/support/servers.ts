/**
 * The reference servers: nginx (the origin, its own prefix and config in a temp directory, one worker,
 * sendfile) serving generated files, and shadowsocks-libev (ss-server + ss-local,
 * chacha20-ietf-poly1305) as the baseline proxy. Everything listens on 127.0.0.1, random free ports.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, startProgram, stopProgram, waitForPort } from './system.ts';

export type Origin = { port: number; stop(): Promise<void> };

/** Writes `bytes` of incompressible data (one random MiB repeated) to `path`. */
export function writeBodyFile(path: string, bytes: number): void {
  const block = randomBytes(Math.min(bytes, 1 << 20));
  const fd = openSync(path, 'w');
  try {
    for (let left = bytes; left > 0; left -= block.length) writeSync(fd, block, 0, Math.min(left, block.length));
  } finally {
    closeSync(fd);
  }
}

/**
 * Starts nginx on 127.0.0.1 serving `root`. `keepalive_timeout 0` closes every connection after its
 * response, so each latency sample is a fresh connection (and, through a proxy, a fresh stream).
 */
export async function startNginx(nginx: string, dir: string, root: string): Promise<Origin> {
  const port = await freePort();
  const prefix = join(dir, 'nginx');
  mkdirSync(join(prefix, 'logs'), { recursive: true });
  const temp = (name: string) => `${name}_temp_path ${join(prefix, name)};`;
  const config = `
daemon off;
master_process off;
worker_processes 1;
pid ${join(prefix, 'nginx.pid')};
error_log ${join(prefix, 'logs', 'error.log')} warn;
worker_rlimit_nofile 16384;
events { worker_connections 8192; }
http {
  access_log off;
  ${temp('client_body')}
  ${temp('proxy')}
  ${temp('fastcgi')}
  ${temp('uwsgi')}
  ${temp('scgi')}
  sendfile on;
  tcp_nopush on;
  keepalive_timeout 0;
  default_type application/octet-stream;
  server {
    listen 127.0.0.1:${port} backlog=4096;
    root ${root};
  }
}
`;
  const file = join(prefix, 'nginx.conf');
  writeFileSync(file, config);
  const child = startProgram(nginx, ['-p', prefix, '-c', file, '-e', join(prefix, 'logs', 'error.log')]);
  try {
    await waitForPort(port);
  } catch (error) {
    await stopProgram(child);
    throw new Error(`nginx did not start: ${child.stderrText()}`, { cause: error });
  }
  return { port, stop: () => stopProgram(child, 'SIGQUIT') };
}

export type Shadowsocks = { socksPort: number; serverPid: number; localPid: number; stop(): Promise<void> };

/** ss-server and ss-local (chacha20-ietf-poly1305) on loopback; curl talks SOCKS5 to ss-local. */
export async function startShadowsocks(programs: { server: string; local: string }): Promise<Shadowsocks> {
  const serverPort = await freePort();
  const socksPort = await freePort();
  const password = randomBytes(16).toString('hex');
  const common = ['-k', password, '-m', 'chacha20-ietf-poly1305', '-t', '60'];
  const server = startProgram(programs.server, ['-s', '127.0.0.1', '-p', String(serverPort), ...common]);
  const local = startProgram(programs.local, [
    '-s',
    '127.0.0.1',
    '-p',
    String(serverPort),
    '-b',
    '127.0.0.1',
    '-l',
    String(socksPort),
    ...common,
  ]);
  try {
    await waitForPort(serverPort);
    await waitForPort(socksPort);
  } catch (error) {
    await stopProgram(server);
    await stopProgram(local);
    throw new Error(`shadowsocks did not start: ${server.stderrText()} ${local.stderrText()}`, { cause: error });
  }
  return {
    socksPort,
    serverPid: server.pid as number,
    localPid: local.pid as number,
    stop: async () => {
      await stopProgram(local);
      await stopProgram(server);
    },
  };
}
