/**
 * Issue 20, "auditors probe over the transports clients use": on a devnet whose providers serve plain, obfs and
 * wss, the auditors' probe sessions reach the providers over every one of them (`audit/probeTransports.ts`), so
 * a provider cannot serve probes on one transport and fail customers on another without failing probes too.
 * Read from the providers' own status: sessions by the transport they came in on.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type DevnetProcess, getJson, pollFor, startDevnetCli } from '../support/devnet.ts';

type ProviderStatus = { sessionsByTransport: Record<string, number> };

let devnet: DevnetProcess;

before(async () => {
  // No client traffic (--json: no demo), so every session a provider sees is the client's one path or a probe.
  devnet = await startDevnetCli(['--auditors', '2', '--capacity', '4000000']);
});
after(async () => {
  await devnet?.stop();
});

test('probe sessions reach the providers over plain, obfs and wss', { timeout: 240_000 }, async (t) => {
  const { info } = devnet;
  const totals = async () => {
    const sum: Record<string, number> = {};
    for (const p of info.providers) {
      const status = await getJson<ProviderStatus>(`${p.api}/api/status`);
      for (const [name, n] of Object.entries(status.sessionsByTransport)) sum[name] = (sum[name] ?? 0) + n;
    }
    return sum;
  };
  const seen = await pollFor(
    'probe sessions over every transport',
    async () => {
      const sum = await totals();
      return ['plain', 'obfs', 'wss'].every((name) => (sum[name] ?? 0) > 0) ? sum : undefined;
    },
    200_000,
  );
  t.diagnostic(`sessions by transport, all providers: ${JSON.stringify(seen)}`);
  assert.ok((seen.obfs ?? 0) > 0 && (seen.wss ?? 0) > 0, 'the obfuscated transports were probed');
});
