/**
 * SOCKS5 UDP ASSOCIATE (RFC 1928 §7) over the tunnel: a UDP relay socket bound on the address the
 * application reached the front at (loopback by default), answered in the SOCKS reply. Only datagrams
 * from the associating client's address are taken (the TCP control connection's address; its port too
 * when the request named one, else the first datagram's port is kept), and only unfragmented ones
 * (FRAG ≠ 0 is dropped, as §7 allows). Each destination becomes one tunnel UDP flow, opened on its first
 * datagram (at most `MAX_FLOWS_PER_ASSOCIATION`; datagrams to more are dropped until one idles out).
 * Replies come back with the destination's header. The association, its socket and its flows end with
 * the TCP control connection.
 */
import { createSocket, type RemoteInfo } from 'node:dgram';
import { isIPv6, type Socket } from 'node:net';
import { FLOW_QUEUE_DATAGRAMS, MAX_FLOWS_PER_ASSOCIATION } from './constants.ts';
import type { OpenTunnelFlow } from './frontTypes.ts';
import type { MuxFlow } from './MuxFlow.ts';
import type { Destination } from './muxFrame.ts';
import { decodeSocksUdpDatagram, encodeSocksUdpHeader } from './socksUdpHeader.ts';

type FlowEntry = { flow?: MuxFlow; pending: Buffer[] };

/** `::ffff:127.0.0.1` and `127.0.0.1` are one address. */
function plainAddress(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/**
 * Serves one association on `control` (its request already read); resolves when the relay is bound and
 * the reply is sent. `requested` is the request's DST (the client's sending address; port 0 = unknown).
 */
export async function serveUdpAssociate(
  control: Socket,
  requested: Destination,
  openFlow: OpenTunnelFlow,
): Promise<void> {
  const localAddress = plainAddress(control.localAddress ?? '127.0.0.1');
  const clientAddress = plainAddress(control.remoteAddress ?? '');
  let clientPort = requested.port === 0 ? undefined : requested.port;
  const relay = createSocket({ type: isIPv6(localAddress) ? 'udp6' : 'udp4' });
  relay.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    relay.once('error', reject);
    relay.bind(0, localAddress, () => {
      relay.off('error', reject);
      resolve();
    });
  });
  const flows = new Map<string, FlowEntry>();
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    relay.close();
    for (const { flow } of flows.values()) flow?.close();
    flows.clear();
    control.destroy();
  };
  control.once('close', end);
  control.once('end', end);
  control.on('data', () => {}); // nothing is expected on the control connection but its end

  const toClient = (destination: Destination, payload: Buffer) => {
    if (ended || clientPort === undefined) return;
    relay.send([encodeSocksUdpHeader(destination), payload], clientPort, clientAddress);
  };
  const open = (key: string, destination: Destination, entry: FlowEntry) => {
    openFlow(destination).then(
      (flow) => {
        if (ended || flows.get(key) !== entry) {
          flow.close();
          return;
        }
        entry.flow = flow;
        flow.on('datagram', (payload) => toClient(destination, payload));
        flow.once('close', () => {
          if (flows.get(key) === entry) flows.delete(key);
        });
        for (const payload of entry.pending) flow.send(payload);
        entry.pending = [];
      },
      () => {
        if (flows.get(key) === entry) flows.delete(key);
      },
    );
  };
  relay.on('message', (message: Buffer, from: RemoteInfo) => {
    if (plainAddress(from.address) !== clientAddress) return; // not the associating client
    if (clientPort === undefined) clientPort = from.port;
    else if (from.port !== clientPort) return;
    const datagram = decodeSocksUdpDatagram(message);
    if (datagram?.frag !== 0) return; // malformed, or a fragment: dropped (RFC 1928 §7)
    const { destination, data } = datagram as NonNullable<typeof datagram>;
    const key = `${destination.port} ${destination.host}`;
    const entry = flows.get(key);
    if (entry?.flow) entry.flow.send(data);
    else if (entry) {
      if (entry.pending.length < FLOW_QUEUE_DATAGRAMS) entry.pending.push(data);
    } else if (flows.size < MAX_FLOWS_PER_ASSOCIATION) {
      const fresh: FlowEntry = { pending: [data] };
      flows.set(key, fresh);
      open(key, destination, fresh);
    }
  });
  const bound = relay.address();
  control.write(socksBoundReply(bound.address, bound.port));
}

/** `05 00 00 ATYP BND.ADDR BND.PORT` for the relay socket's address. */
function socksBoundReply(address: string, port: number): Buffer {
  const header = encodeSocksUdpHeader({ host: address, port });
  header[0] = 5; // VER; REP = 0 and RSV = 0 are already zero
  return header;
}
