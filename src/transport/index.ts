/** The transports under the tunnel: see `docs/transports.md`. */
export { BLOCKED_TRANSPORT_MS, BlockedTransports, type BlockReason, isBlockingFailure } from './BlockedTransports.ts';
export { TRANSPORT_NAMES } from './constants.ts';
export { type DialTransportParameters, dialTransport } from './dialTransport.ts';
export { TransportError } from './errors.ts';
export { listenTransport, type TransportListenConfig, type TransportServer } from './listenTransport.ts';
export {
  chooseTransports,
  formatTransportParams,
  isTransportName,
  type OfferTransport,
  parseTransport,
  type TransportName,
  type TransportSpec,
} from './transportSpec.ts';
