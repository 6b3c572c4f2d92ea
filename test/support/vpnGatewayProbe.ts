/**
 * Run inside a throwaway network namespace by `test/e2e/vpnGateway.netns.test.ts` (the gateway changes
 * the namespace: interface, forwarding, nftables): a real `VpnGateway` behind a real tunnel listener on
 * loopback, and a client that misbehaves at the VPN's reserved destinations over real tunnel sessions.
 * Prints one JSON line of observations; the test asserts on them.
 */

import { connectClientSession } from '../../src/tunnel/connectClientSession.ts';
import type { MuxFlow } from '../../src/tunnel/MuxFlow.ts';
import { startTunnelListener } from '../../src/tunnel/startTunnelListener.ts';
import { generateStaticKeyPair } from '../../src/tunnel/x25519.ts';
import { VPN_CONTROL_PORT, VPN_DATA_PORT, VPN_HOST } from '../../src/vpn/constants.ts';
import { readLine } from '../../src/vpn/readLine.ts';
import { VpnGateway } from '../../src/vpn/VpnGateway.ts';
import { decodeVpnGrant, encodeVpnRequest } from '../../src/vpn/vpnMessages.ts';
import { uapiRequest } from '../../src/vpn/wireguardGo.ts';
import { generateWireguardKeyPair } from '../../src/vpn/wireguardKeys.ts';

const ifname = process.argv[2] as string;
const gateway = await VpnGateway.start({ ifname, subnet: '10.214.0.0/29' });
const keys = generateStaticKeyPair();
const listener = await startTunnelListener({ staticKeys: keys, services: [gateway] });
const hop = { host: listener.address.host, port: listener.address.port, publicKey: keys.publicKey };
const out: Record<string, unknown> = { available: gateway.pool.available };

const codeOf = (error: unknown) => (error as { code?: string } | undefined)?.code ?? String(error);
const flowEnd = (flow: MuxFlow) =>
  new Promise<string>((resolve) => {
    flow.once('open', () => resolve('open'));
    flow.once('close', (error) => resolve(codeOf(error)));
  });
const wgPeers = async () => (await uapiRequest(ifname, 'get=1\n')).get('allowed_ip') ?? [];
const ask = async (session: Awaited<ReturnType<typeof connectClientSession>>, line: Buffer) => {
  const stream = await session.openStream({ host: VPN_HOST, port: VPN_CONTROL_PORT }, { early: false });
  stream.on('error', () => {});
  stream.write(line);
  try {
    return decodeVpnGrant(await readLine(stream, 1024, 10_000));
  } catch (error) {
    return codeOf(error);
  } finally {
    stream.destroy();
  }
};

try {
  const a = await connectClientSession({ hops: [hop] });
  // A data flow before any handshake: refused, no socket toward wireguard-go.
  out.flowBeforeHandshake = await flowEnd(a.openFlow({ host: VPN_HOST, port: VPN_DATA_PORT }));
  // Another port of the reserved name: refused.
  out.otherPort = await a.openStream({ host: VPN_HOST, port: 9 }, { early: false }).then(() => 'opened', codeOf);
  // An endless line, then a bad key: refused, nothing allocated.
  out.oversized = await ask(a, Buffer.alloc(4_096, 65));
  out.badKey = await ask(a, Buffer.from('{"v":1,"publicKey":"AAAA"}\n'));
  out.peersAfterBad = (await wgPeers()).length;
  out.availableAfterBad = gateway.pool.available;
  // A good handshake, then a second on the same session: one peer, the new key's.
  const first = await ask(a, encodeVpnRequest({ publicKey: generateWireguardKeyPair().publicKey }));
  const second = await ask(a, encodeVpnRequest({ publicKey: generateWireguardKeyPair().publicKey }));
  out.first = typeof first === 'string' ? first : first.address;
  out.second = typeof second === 'string' ? second : second.address;
  out.peersAfterTwo = await wgPeers();
  out.flowAfterHandshake = await flowEnd(a.openFlow({ host: VPN_HOST, port: VPN_DATA_PORT }));
  // A second session gets its own address; the first one's session ends: its peer goes, its address frees.
  const b = await connectClientSession({ hops: [hop] });
  const other = await ask(b, encodeVpnRequest({ publicKey: generateWireguardKeyPair().publicKey }));
  out.otherSession = typeof other === 'string' ? other : other.address;
  a.close();
  while (gateway.peers > 1) await new Promise((r) => setTimeout(r, 50));
  out.peersAfterClose = await wgPeers();
  b.close();
  while (gateway.peers > 0) await new Promise((r) => setTimeout(r, 50));
  out.availableAtEnd = gateway.pool.available;
} finally {
  await listener.close();
  await gateway.stop();
}
process.stdout.write(`${JSON.stringify(out)}\n`);
process.exit(0);
