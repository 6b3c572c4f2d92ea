/**
 * The client's half of hole punching (docs/nat.md): before making a NATed provider its first hop through the
 * provider's relay, a client asks the relay to arrange a direct connection — a Noise IK handshake with the
 * relay whose first message carries the request (`net/punchRequest.ts`: the provider, the local port this
 * client will connect from) and whose second the provider's observed address and port — then connects there
 * while the provider connects back (`tunnel/punchConnect.ts`). Resolves with the connected socket, over which
 * the client runs its ordinary handshake with the provider (its key authenticates it), or `undefined`: the
 * path then goes through the relay. Only for a first hop: a later hop must not learn the client's address.
 */

import type { Socket } from 'node:net';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { Address } from 'viem';
import { decodePunchAnswer, encodePunchRequest } from '../net/punchRequest.ts';
import { freePort, punchConnect } from '../tunnel/punchConnect.ts';
import { SecureChannel } from '../tunnel/SecureChannel.ts';
import { generateStaticKeyPair } from '../tunnel/x25519.ts';

export type PunchThroughNatParameters = {
  relay: { host: string; port: number; publicKey: Buffer };
  provider: Address;
  localAddress?: string;
  signal?: AbortSignal;
};

export async function punchThroughNat(p: PunchThroughNatParameters): Promise<Socket | undefined> {
  const localPort = await freePort(p.localAddress);
  const socket = connect({
    host: p.relay.host,
    port: p.relay.port,
    ...(p.localAddress ? { localAddress: p.localAddress } : {}),
  });
  socket.on('error', () => {});
  // A fresh key: the relay learns nothing that links this request to the client's sessions.
  const channel = await SecureChannel.open({
    transport: socket,
    localStatic: generateStaticKeyPair(),
    remoteStatic: p.relay.publicKey,
    payload: encodePunchRequest({ provider: p.provider, port: localPort }),
    signal: p.signal,
  });
  const answer = decodePunchAnswer(channel.handshakePayload);
  channel.close();
  if (!answer.ok) return undefined;
  // The provider connects to the address the relay saw: leave from it when it is one of this host's (a host
  // with several addresses would otherwise leave from another and miss the provider's SYN).
  const own = Object.values(networkInterfaces()).some((list) => list?.some((i) => i.address === answer.observed));
  const localAddress = p.localAddress ?? (own ? answer.observed : undefined);
  return punchConnect({ host: answer.host, port: answer.port, localPort, localAddress, signal: p.signal });
}
