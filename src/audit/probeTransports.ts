/**
 * Which transport an auditor's probe session reaches a provider over (pure). Customers reach a provider over
 * whatever transport their policy and its offer have in common (`--transport`), so a provider that wants to
 * serve probes and fail customers could serve one transport well and black-hole another. Probes therefore
 * cover every transport the offer serves: the first choice rotates with the probe key's period (a key keeps
 * its transport, as a customer keeps its policy; canary keys change every epoch, capacity keys less often and
 * start one transport further on), the others follow in the offer's order as a customer's fallbacks would.
 * Over `n` canary periods each of the offer's `n` transports is tried first once.
 */
import type { SignedOffer } from '../net/offer.ts';
import { isTransportName, type TransportName } from '../transport/transportSpec.ts';
import { type ProbePurpose, probeKeyPeriod } from './probeKeys.ts';

/** The transports the offer serves (`plain` always, on the tunnel endpoint), in the order a probe tries them. */
export function probeTransports(offer: SignedOffer, epoch: number, purpose: ProbePurpose): TransportName[] {
  const period = probeKeyPeriod(epoch, purpose);
  const served: TransportName[] = ['plain'];
  for (const t of offer.offer.transports) if (isTransportName(t.name) && !served.includes(t.name)) served.push(t.name);
  // Offset by the provider too, so one epoch's probes to different providers use different transports.
  const offset = Number.parseInt(offer.offer.provider.slice(-4), 16) || 0;
  const shift = (period + offset + (purpose === 'capacity' ? 1 : 0)) % served.length;
  return [...served.slice(shift), ...served.slice(0, shift)];
}
