/** The Bandex data plane: secure channel, multiplexer (streams and UDP flows), exit, local proxy fronts, multi-hop. */
export { ByteMeter } from './ByteMeter.ts';
export { type ClientSession, connectClientSession, type HopDescriptor } from './connectClientSession.ts';
export * from './constants.ts';
export * from './errors.ts';
export { checkExitAddress, createExitPolicy, type ExitPolicy, type ExitPolicyConfig } from './exitPolicy.ts';
export type { OpenTunnelFlow, OpenTunnelStream, ProxyServer } from './frontTypes.ts';
export { MuxFlow } from './MuxFlow.ts';
export { MuxSession } from './MuxSession.ts';
export { MuxStream } from './MuxStream.ts';
export type { Destination } from './muxFrame.ts';
export { SecureChannel } from './SecureChannel.ts';
export { SendGate } from './SendGate.ts';
export { startHttpProxyServer } from './startHttpProxyServer.ts';
export { startSocksServer } from './startSocksServer.ts';
export { type ProviderRole, startTunnelListener, type TunnelListener } from './startTunnelListener.ts';
export { generateStaticKeyPair, type StaticKeyPair, staticKeyPairFromPrivate } from './x25519.ts';
