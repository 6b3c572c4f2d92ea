/**
 * The fallback way to fund a probe key, for networks without a private one: the auditor's own account
 * sends it gas and one channel deposit of RBT. It works anywhere, and it is LINKABLE: the probe key's
 * first ETH and first RBT come from a registered auditor, which anyone reading the chain can see
 * (docs/audit.md "Limits", docs/security.md). The devnet funds probe keys as it funds its customers
 * instead (`src/devnet/fundLikeACustomer.ts`); on a real network the shielded pool (issue #17) will.
 */
import type { Address } from 'viem';
import { bandwidthTokenAbi } from '../chain/abi/bandwidthToken.ts';
import { sendTransaction } from '../chain/actions/sendTransaction.ts';
import type { ChainClient } from '../chain/chainClient.ts';
import type { Deployment } from '../chain/deployment.ts';
import type { SerialWrites } from '../chain/serialWrites.ts';

/** Funds the probe key `probe` so it can open a channel of `depositWei` (gas and RBT). */
export type FundProbe = (probe: ChainClient, needs: { depositWei: bigint }) => Promise<void>;

/** Gas sent to a probe key: a channel open and a close, with room (0.005 ETH). */
export const PROBE_GAS_WEI = 5_000_000_000_000_000n;

export function fundProbeFromAuditor({
  client,
  deployment,
  serialWrites,
}: {
  client: ChainClient;
  deployment: Deployment;
  serialWrites: SerialWrites;
}): FundProbe {
  return (probe, { depositWei }) =>
    serialWrites(async () => {
      const to: Address = probe.account.address;
      const hash = await client.sendTransaction({ to, value: PROBE_GAS_WEI } as never);
      await client.waitForTransactionReceipt({ hash });
      await sendTransaction(client, {
        address: deployment.contracts.token,
        abi: bandwidthTokenAbi,
        functionName: 'transfer',
        args: [to, depositWei],
        label: 'fund probe key',
      });
    });
}
