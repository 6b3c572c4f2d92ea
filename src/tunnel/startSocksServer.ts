/**
 * Local SOCKS5 front (RFC 1928, with RFC 1929 username/password when configured): CONNECT
 * only; IPv4, IPv6 and domain names — names are sent to the exit unresolved. Each accepted
 * connection becomes one tunnel stream. A malformed request gets the proper reply and a
 * closed socket.
 */
import type { Socket } from 'node:net';
import { SocksReply } from './constants.ts';
import { OpenError, ProxyRequestError } from './errors.ts';
import type { OpenTunnelStream, ProxyServer } from './frontTypes.ts';
import { listenProxy } from './listenProxy.ts';
import { SocketReader } from './SocketReader.ts';
import { splice } from './splice.ts';

export type StartSocksServerParameters = {
  openStream: OpenTunnelStream;
  host?: string;
  port?: number;
  /** Require RFC 1929 username/password (otherwise no-auth). */
  credentials?: { username: string; password: string };
};

const NO_AUTH = 0x00;
const USER_PASS = 0x02;
const NO_ACCEPTABLE = 0xff;

/** SOCKS5 reply with BND.ADDR 0.0.0.0:0 (the tunnel hides the exit's address). */
export function socksReply(code: number): Buffer {
  return Buffer.of(5, code, 0, 1, 0, 0, 0, 0, 0, 0);
}

/**
 * @example
 * const socks = await startSocksServer({ openStream: (d) => session.openStream(d) });
 * // curl --socks5-hostname 127.0.0.1:${socks.address.port} http://example.com/
 */
export function startSocksServer(params: StartSocksServerParameters): Promise<ProxyServer> {
  return listenProxy(params.host ?? '127.0.0.1', params.port ?? 0, (socket) => serveSocks(socket, params));
}

async function serveSocks(socket: Socket, { openStream, credentials }: StartSocksServerParameters): Promise<void> {
  const reader = new SocketReader(socket);
  const refuse = (reply: Buffer) => {
    reader.detach();
    socket.end(reply);
  };
  let host: string;
  let port: number;
  try {
    const [version, methodCount] = await reader.read(2);
    if (version !== 5) return refuse(Buffer.alloc(0));
    const methods = await reader.read(methodCount as number);
    const method = credentials ? USER_PASS : NO_AUTH;
    if (!methods.includes(method)) return refuse(Buffer.of(5, NO_ACCEPTABLE));
    socket.write(Buffer.of(5, method));
    if (credentials) {
      const [authVersion, userLength] = await reader.read(2);
      const username = (await reader.read(userLength as number)).toString();
      const [passLength] = await reader.read(1);
      const password = (await reader.read(passLength as number)).toString();
      if (authVersion !== 1 || username !== credentials.username || password !== credentials.password) {
        return refuse(Buffer.of(1, 1));
      }
      socket.write(Buffer.of(1, 0));
    }
    const [requestVersion, command, , addressType] = await reader.read(4);
    if (requestVersion !== 5) return refuse(socksReply(SocksReply.generalFailure));
    if (addressType === 1) host = [...(await reader.read(4))].join('.');
    else if (addressType === 4) {
      const raw = await reader.read(16);
      host = Array.from({ length: 8 }, (_, i) => raw.readUInt16BE(i * 2).toString(16)).join(':');
    } else if (addressType === 3) {
      const [length] = await reader.read(1);
      if (!length) return refuse(socksReply(SocksReply.generalFailure));
      host = (await reader.read(length)).toString('latin1');
    } else return refuse(socksReply(SocksReply.addressTypeNotSupported));
    port = (await reader.read(2)).readUInt16BE(0);
    if (command !== 1) return refuse(socksReply(SocksReply.commandNotSupported));
    if (port === 0) return refuse(socksReply(SocksReply.generalFailure));
  } catch (error) {
    if (!(error instanceof ProxyRequestError)) throw error;
    reader.detach();
    socket.destroy();
    return;
  }
  let stream: Awaited<ReturnType<OpenTunnelStream>>;
  try {
    stream = await openStream({ host, port });
  } catch (error) {
    const reply = error instanceof OpenError ? error.meta.reply : SocksReply.generalFailure;
    return refuse(socksReply(reply));
  }
  const early = reader.detach();
  if (socket.destroyed) {
    stream.destroy();
    return;
  }
  socket.write(socksReply(SocksReply.succeeded));
  for (const chunk of early) stream.write(chunk);
  splice(socket, stream);
}
