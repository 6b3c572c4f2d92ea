/**
 * What a relay writes on a reservation's listen stream (docs/nat.md), pure. Each frame is `type(1) ‖ id(8)`,
 * and a punch adds `hostLen(1) ‖ host ‖ port(2)`:
 * - CONNECT: a client's RELAY stream is waiting; the provider opens a stream named `c<id in hex>`.
 * - PUNCH: a client at `host` (as the relay observed it) will connect from `port`; the provider opens a
 *   stream named `p<id in hex>` whose port is the local port it connects back from, then connects.
 */
export const ListenFrame = { connect: 1, punch: 2 } as const;
export const CONNECTION_ID_BYTES = 8;

export type ListenMessage = { type: 'connect'; id: string } | { type: 'punch'; id: string; host: string; port: number };

export function encodeConnectFrame(id: Buffer): Buffer {
  return Buffer.concat([Buffer.from([ListenFrame.connect]), id]);
}

export function encodePunchFrame(id: Buffer, host: string, port: number): Buffer {
  const name = Buffer.from(host, 'utf8');
  const tail = Buffer.alloc(2);
  tail.writeUInt16BE(port);
  return Buffer.concat([Buffer.from([ListenFrame.punch]), id, Buffer.from([name.length]), name, tail]);
}

/** Splits the listen stream into frames; an unknown type is a broken relay (`undefined`: drop the reservation). */
export class ListenFrameReader {
  #held: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): ListenMessage[] | undefined {
    this.#held = this.#held.length === 0 ? chunk : Buffer.concat([this.#held, chunk]);
    const out: ListenMessage[] = [];
    for (;;) {
      const held = this.#held;
      if (held.length < 1 + CONNECTION_ID_BYTES) return out;
      const type = held[0];
      const id = held.subarray(1, 1 + CONNECTION_ID_BYTES).toString('hex');
      if (type === ListenFrame.connect) {
        out.push({ type: 'connect', id });
        this.#held = held.subarray(1 + CONNECTION_ID_BYTES);
        continue;
      }
      if (type !== ListenFrame.punch) return undefined;
      if (held.length < 2 + CONNECTION_ID_BYTES) return out;
      const hostLen = held[1 + CONNECTION_ID_BYTES] as number;
      const end = 2 + CONNECTION_ID_BYTES + hostLen + 2;
      if (held.length < end) return out;
      const host = held.subarray(2 + CONNECTION_ID_BYTES, end - 2).toString('utf8');
      out.push({ type: 'punch', id, host, port: held.readUInt16BE(end - 2) });
      this.#held = held.subarray(end);
    }
  }
}
