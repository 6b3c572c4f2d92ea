/**
 * A one-provider devnet whose provider serves obfs behind a censor's middlebox (the offer announces the
 * middlebox's port) and wss directly, and a client that prefers obfs: the transport-switching tests' setup.
 */
import { randomBytes } from 'node:crypto';
import { type Devnet, startDevnet } from '../../src/devnet/startDevnet.ts';
import type { SelfSignedCert } from '../../src/transport/selfSignedCert.ts';

/** What the client's `/api/status` says, as far as these tests read it. */
export type SwitchingClientStatus = {
  bytesDown: number;
  bytesUp: number;
  paidWei: string;
  sessionsTotal: number;
  path: { channelId: string; priceWeiPerGiB: string; transport?: string }[];
};

export function startDevnetBehindCensor(params: {
  stateDir: string;
  cert: SelfSignedCert;
  /** Where the provider's obfs listener binds. */
  obfsPort: number;
  /** The middlebox in front of it, which the offer names. */
  censorPort: number;
}): Promise<Devnet> {
  const { cert } = params;
  return startDevnet({
    stateDir: params.stateDir,
    providers: 1,
    auditors: 0,
    transports: ['obfs', 'wss'],
    providerTransports: () => [
      { name: 'obfs', psk: randomBytes(32), port: params.obfsPort, announce: `127.0.0.1:${params.censorPort}` },
      {
        name: 'wss',
        path: `/${randomBytes(16).toString('base64url')}`,
        tls: { key: cert.key, cert: cert.cert },
        certSha256: cert.sha256,
      },
    ],
  });
}
