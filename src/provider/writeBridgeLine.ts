/**
 * A bridge provider's line (`bandex node --bridge`, docs/transports.md "Bridges"): its obfuscated transports,
 * signed for `BRIDGE_LINE_TTL_SECONDS`, written to `<stateDir>/bridge.txt` (0600: it is as secret as the
 * transports' keys) for the operator to hand out. Re-signed at every start, so a line follows a new port or key.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LocalAccount } from 'viem';
import { encodeBridgeLine, signBridge } from '../net/bridgeLine.ts';
import { BRIDGE_LINE_TTL_SECONDS } from '../net/constants.ts';
import type { OfferTransport } from '../transport/transportSpec.ts';

export const BRIDGE_LINE_FILE = 'bridge.txt';

export async function writeBridgeLine(
  stateDir: string,
  account: LocalAccount,
  fields: { chainId: number; tunnelPublicKey: string; transports: OfferTransport[] },
): Promise<{ file: string; line: string }> {
  const issuedAt = Math.floor(Date.now() / 1000);
  const line = encodeBridgeLine(
    await signBridge(account, { ...fields, issuedAt, expiresAt: issuedAt + BRIDGE_LINE_TTL_SECONDS }),
  );
  const file = join(stateDir, BRIDGE_LINE_FILE);
  writeFileSync(`${file}.tmp`, `${line}\n`, { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
  return { file, line };
}
