/**
 * A minimal SOCKS5 CONNECT client (RFC 1928, no authentication) for tests: resolves with the socket
 * once the proxy has answered the CONNECT with success, positioned at the first byte from the
 * destination. The socket comes back paused (bytes that arrived with the reply are unshifted): call
 * `resume()` or `pipe()` — after a `pause()`, adding a 'data' listener alone does not restart it. IPv4 literals go as ATYP 1, anything else as a domain name. Bandex's front answers
 * optimistically, so a destination the exit refuses shows up later as a closed socket.
 */
import { isIPv4, connect as netConnect, type Socket } from 'node:net';

export type Endpoint = { host: string; port: number };

/** `"host:port"` (as the daemons print their SOCKS5 address) → `{ host, port }`. */
export function parseEndpoint(text: string): Endpoint {
  const colon = text.lastIndexOf(':');
  return { host: text.slice(0, colon), port: Number(text.slice(colon + 1)) };
}

export function socksConnect(proxy: Endpoint, destination: Endpoint, timeoutMs = 30_000): Promise<Socket> {
  return new Promise<Socket>((resolve, reject) => {
    const socket = netConnect({ host: proxy.host, port: proxy.port, noDelay: true });
    let buffered = Buffer.alloc(0);
    const fail = (error: Error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    };
    const timer = setTimeout(() => fail(new Error(`SOCKS5 ${proxy.host}:${proxy.port}: no reply`)), timeoutMs);
    const onError = (error: Error) => fail(error);
    const onClose = () => fail(new Error(`SOCKS5 ${proxy.host}:${proxy.port}: closed during the handshake`));
    socket.once('error', onError);
    socket.once('close', onClose);

    const port = Buffer.of(destination.port >> 8, destination.port & 0xff);
    const address = isIPv4(destination.host)
      ? Buffer.of(1, ...destination.host.split('.').map(Number))
      : Buffer.concat([Buffer.of(3, Buffer.byteLength(destination.host)), Buffer.from(destination.host)]);
    // Greeting and request together (the front parses them as they come).
    socket.write(Buffer.concat([Buffer.of(5, 1, 0), Buffer.of(5, 1, 0), address, port]));

    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length < 2) return;
      if (buffered[0] !== 5 || buffered[1] !== 0)
        return fail(new Error(`SOCKS5 method reply ${buffered.toString('hex')}`));
      const reply = buffered.subarray(2);
      if (reply.length < 5) return;
      if (reply[1] !== 0) return fail(new Error(`SOCKS5 CONNECT reply code ${reply[1]}`));
      const atyp = reply[3];
      const addressLength = atyp === 1 ? 4 : atyp === 4 ? 16 : 1 + (reply[4] ?? 0);
      const replyLength = 4 + addressLength + 2;
      if (reply.length < replyLength) return;
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('close', onClose);
      socket.pause();
      const rest = reply.subarray(replyLength);
      if (rest.length > 0) socket.unshift(rest);
      resolve(socket);
    };
    socket.on('data', onData);
  });
}
