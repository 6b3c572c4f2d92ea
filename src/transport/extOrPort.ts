/**
 * The server side of Tor's Extended ORPort (ext-orport-spec, version 1), for a managed server transport such as
 * `obfs4proxy`: the transport connects to us for each client it unwrapped, proves it holds the cookie
 * (SAFE_COOKIE: HMAC-SHA256 both ways over fresh nonces), tells the client's address (`USERADDR`) and the
 * transport's name (`TRANSPORT`), and after our `OKAY` the connection carries the client's bytes. Without it the
 * transport would only give us 127.0.0.1 for every client (one source for the tunnel's per-source limits), and
 * any local process could pose as the transport.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { ExactReader } from './ExactReader.ts';

/** The cookie file's 32-byte header (ext-orport-spec §4.2.1.1). */
const COOKIE_HEADER = Buffer.from('! Extended ORPort Auth Cookie !\n', 'latin1');
const AUTH_SAFE_COOKIE = 1;
const SERVER_HASH_LABEL = 'ExtORPort authentication server-to-client hash';
const CLIENT_HASH_LABEL = 'ExtORPort authentication client-to-server hash';
const CMD_DONE = 0x0000;
const CMD_USERADDR = 0x0001;
const CMD_TRANSPORT = 0x0002;
const REPLY_OKAY = 0x1000;
/** Most commands and bytes of command bodies a transport may send before DONE. */
const MAX_COMMANDS = 16;
const MAX_BODY = 512;
/** Time for the whole exchange (the transport is local: milliseconds). */
const EXT_OR_PORT_TIMEOUT_MS = 5_000;

/** Writes a fresh cookie file (0600) and returns the cookie. */
export function writeExtOrPortCookie(file: string): Buffer {
  const cookie = randomBytes(32);
  writeFileSync(file, Buffer.concat([COOKIE_HEADER, cookie]), { mode: 0o600 });
  return cookie;
}

export function extOrPortHashes(cookie: Buffer, clientNonce: Buffer, serverNonce: Buffer) {
  const hash = (label: string) =>
    createHmac('sha256', cookie).update(label).update(clientNonce).update(serverNonce).digest();
  return { server: hash(SERVER_HASH_LABEL), client: hash(CLIENT_HASH_LABEL) };
}

export type ExtOrPortClient = {
  /** The client's address as the transport saw it (`USERADDR`), if it said. */
  address?: { host: string; port: number };
  /** The transport's name (`TRANSPORT`), if it said. */
  transport?: string;
  /** Client bytes that arrived right behind the exchange. */
  head: Buffer;
};

/**
 * Runs the exchange on a connection to our Extended ORPort. Resolves with what the transport said once it
 * authenticated and said DONE (we answered OKAY); undefined (the socket destroyed) if it failed in any way.
 */
export async function acceptExtOrPort(socket: Socket, cookie: Buffer): Promise<ExtOrPortClient | undefined> {
  const reader = new ExactReader(socket);
  const timer = setTimeout(() => socket.destroy(), EXT_OR_PORT_TIMEOUT_MS);
  try {
    socket.write(Buffer.from([AUTH_SAFE_COOKIE, 0]));
    if ((await reader.read(1))[0] !== AUTH_SAFE_COOKIE) throw new Error('unsupported authentication type');
    const clientNonce = await reader.read(32);
    const serverNonce = randomBytes(32);
    const expected = extOrPortHashes(cookie, clientNonce, serverNonce);
    socket.write(Buffer.concat([expected.server, serverNonce]));
    const ok = timingSafeEqual(await reader.read(32), expected.client);
    socket.write(Buffer.from([ok ? 1 : 0]));
    if (!ok) throw new Error('wrong cookie');
    const client: ExtOrPortClient = { head: Buffer.alloc(0) };
    for (let i = 0; ; i++) {
      if (i >= MAX_COMMANDS) throw new Error('too many commands');
      const header = await reader.read(4);
      const command = header.readUInt16BE(0);
      const length = header.readUInt16BE(2);
      if (length > MAX_BODY) throw new Error('command body too long');
      const body = (await reader.read(length)).toString('latin1');
      if (command === CMD_DONE) break;
      if (command === CMD_USERADDR) {
        const at = body.lastIndexOf(':');
        const port = Number(body.slice(at + 1));
        if (at > 0 && Number.isInteger(port))
          client.address = { host: body.slice(0, at).replace(/^\[|\]$/g, ''), port };
      } else if (command === CMD_TRANSPORT) client.transport = body;
      // Other commands are informational (ext-orport-spec: a server ignores the ones it does not know).
    }
    const okay = Buffer.alloc(4);
    okay.writeUInt16BE(REPLY_OKAY, 0);
    socket.write(okay);
    client.head = reader.detach();
    return client;
  } catch {
    reader.detach();
    socket.destroy();
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}
