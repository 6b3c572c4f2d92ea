/** UDP fixtures: an echo server on loopback, and a SOCKS5 UDP ASSOCIATE client (RFC 1928 §7) over `dgram`. */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { once } from 'node:events';
import type { Socket } from 'node:net';
import { encodeSocksUdpHeader } from '../../src/tunnel/socksUdpHeader.ts';
import { dial } from './tunnelHarness.ts';

export type UdpEcho = { port: number; received: number; receivedBytes: number; close(): void };

/** Echoes every datagram back to its sender; counts what arrived. */
export async function startUdpEcho(): Promise<UdpEcho> {
  const socket = createSocket('udp4');
  const echo: UdpEcho = { port: 0, received: 0, receivedBytes: 0, close: () => socket.close() };
  socket.on('message', (message, from) => {
    echo.received++;
    echo.receivedBytes += message.length;
    socket.send(message, from.port, from.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  echo.port = socket.address().port;
  return echo;
}

export type UdpAssociation = {
  control: Socket;
  relay: { host: string; port: number };
  socket: UdpSocket;
  /** Sends `data` to `host:port` through the relay (FRAG = `frag`). */
  send(host: string, port: number, data: Buffer, frag?: number): void;
  /** The payload of the next datagram from the relay (header stripped), or undefined after `ms`. */
  next(ms?: number): Promise<Buffer | undefined>;
  close(): void;
};

/** Opens a UDP association through the SOCKS5 front at 127.0.0.1:`socksPort`. */
export async function associate(socksPort: number): Promise<UdpAssociation> {
  const control = await dial(socksPort);
  control.write(Buffer.of(5, 1, 0));
  control.write(Buffer.of(5, 3, 0, 1, 0, 0, 0, 0, 0, 0));
  let head = Buffer.alloc(0);
  while (head.length < 12) {
    const [chunk] = (await once(control, 'data')) as [Buffer];
    head = Buffer.concat([head, chunk]);
  }
  if (head[0] !== 5 || head[1] !== 0 || head[2] !== 5 || head[3] !== 0 || head[5] !== 1) {
    throw new Error(`UDP ASSOCIATE refused: ${head.toString('hex')}`);
  }
  const relay = { host: `${head[6]}.${head[7]}.${head[8]}.${head[9]}`, port: head.readUInt16BE(10) };
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const inbox: Buffer[] = [];
  const waiters: ((b: Buffer) => void)[] = [];
  socket.on('message', (message) => {
    const payload = message.subarray(10); // IPv4 header: RSV 2, FRAG 1, ATYP 1, ADDR 4, PORT 2
    const waiter = waiters.shift();
    if (waiter) waiter(payload);
    else inbox.push(payload);
  });
  return {
    control,
    relay,
    socket,
    send: (host, port, data, frag = 0) => {
      const header = encodeSocksUdpHeader({ host, port });
      header[2] = frag;
      socket.send([header, data], relay.port, relay.host);
    },
    next: (ms = 5_000) => {
      const ready = inbox.shift();
      if (ready) return Promise.resolve(ready);
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(onMessage), 1);
          resolve(undefined);
        }, ms);
        const onMessage = (b: Buffer) => {
          clearTimeout(timer);
          resolve(b);
        };
        waiters.push(onMessage);
      });
    },
    close: () => {
      control.destroy();
      socket.close();
    },
  };
}
