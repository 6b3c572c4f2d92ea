/**
 * The SOCKS5 UDP request header (RFC 1928 §7), pure: `RSV(2) = 0 ‖ FRAG(1) ‖ ATYP(1) ‖ DST.ADDR ‖
 * DST.PORT(2) ‖ DATA`, ATYP 1 (IPv4, 4 bytes), 3 (domain, length-prefixed) or 4 (IPv6, 16 bytes).
 */
import { isIPv4, isIPv6 } from 'node:net';
import type { Destination } from './muxFrame.ts';

export type SocksUdpDatagram = { frag: number; destination: Destination; data: Buffer };

/** Decodes one datagram from a SOCKS5 client; undefined when it is not a well-formed request header. */
export function decodeSocksUdpDatagram(message: Buffer): SocksUdpDatagram | undefined {
  if (message.length < 4 || message[0] !== 0 || message[1] !== 0) return undefined;
  const frag = message[2] as number;
  const addressType = message[3];
  let host: string;
  let at: number;
  if (addressType === 1) {
    at = 8;
    if (message.length < at + 2) return undefined;
    host = `${message[4]}.${message[5]}.${message[6]}.${message[7]}`;
  } else if (addressType === 4) {
    at = 20;
    if (message.length < at + 2) return undefined;
    host = Array.from({ length: 8 }, (_, i) => message.readUInt16BE(4 + i * 2).toString(16)).join(':');
  } else if (addressType === 3) {
    const length = message[4] ?? 0;
    at = 5 + length;
    if (length === 0 || message.length < at + 2) return undefined;
    host = message.toString('latin1', 5, at);
  } else return undefined;
  const port = message.readUInt16BE(at);
  if (port === 0) return undefined;
  return { frag, destination: { host, port }, data: message.subarray(at + 2) };
}

/** The header a SOCKS5 relay puts before a datagram from `source` (no fragmentation). */
export function encodeSocksUdpHeader({ host, port }: Destination): Buffer {
  let address: Buffer;
  if (isIPv4(host)) address = Buffer.from([1, ...host.split('.').map(Number)]);
  else if (isIPv6(host)) address = Buffer.concat([Buffer.of(4), ipv6Bytes(host)]);
  else {
    const name = Buffer.from(host, 'latin1');
    address = Buffer.concat([Buffer.of(3, name.length), name]);
  }
  const header = Buffer.alloc(3 + address.length + 2);
  address.copy(header, 3);
  header.writeUInt16BE(port, 3 + address.length);
  return header;
}

function ipv6Bytes(host: string): Buffer {
  const [head = '', tail] = host.split('::');
  const groups = (part: string) => (part ? part.split(':') : []);
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const all = tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  const out = Buffer.alloc(16);
  for (const [i, group] of all.entries()) out.writeUInt16BE(Number.parseInt(group, 16), i * 2);
  return out;
}
