/**
 * Opens a payment channel in one transaction: the payer signs an ERC-2612 permit for the deposit and
 * `openWithPermit` pulls it, so no separate approval is ever needed. Returns the channel id from the
 * `ChannelOpened` event. With `premiumBps` > 0 it calls `openWithPermitAndPremium`: the channel carries a
 * priority premium (the payer pays price × (1 + premiumBps / 10,000); a governance-set share of the premium
 * is burned on redemption, see docs/contracts.md).
 */
import { type Address, type Hex, parseEventLogs, parseSignature } from 'viem';
import { bandwidthTokenAbi } from './abi/bandwidthToken.ts';
import { paymentChannelsAbi } from './abi/paymentChannels.ts';
import type { ChainClient } from './chainClient.ts';
import type { Deployment } from './deployment.ts';
import { sendAndWait } from './sendAndWait.ts';

/** How long the permit stays valid: ample for one transaction to be mined. */
const PERMIT_TTL_SECONDS = 3_600n;

export type OpenChannelParameters = {
  client: ChainClient;
  deployment: Deployment;
  payee: Address;
  deposit: bigint;
  /** Priority premium in basis points, 0 … 10,000 (`MAX_PREMIUM_BPS`); 0 or omitted = a normal channel. */
  premiumBps?: number;
};

/**
 * @example
 * const { channelId } = await openChannel({ client, deployment, payee: provider, deposit: 10n ** 19n });
 */
export async function openChannel({
  client,
  deployment,
  payee,
  deposit,
  premiumBps = 0,
}: OpenChannelParameters): Promise<{ channelId: Hex }> {
  if (!Number.isInteger(premiumBps) || premiumBps < 0 || premiumBps > 10_000)
    throw new Error(`premiumBps ${premiumBps} is not an integer from 0 to 10000`);
  const { token, channels } = deployment.contracts;
  const owner = client.account.address;
  const [nonce, name, block] = await Promise.all([
    client.readContract({ address: token, abi: bandwidthTokenAbi, functionName: 'nonces', args: [owner] }),
    client.readContract({ address: token, abi: bandwidthTokenAbi, functionName: 'name' }),
    client.getBlock(),
  ]);
  const deadline = block.timestamp + PERMIT_TTL_SECONDS;
  const signature = await client.account.signTypedData?.({
    domain: { name, version: '1', chainId: deployment.chainId, verifyingContract: token },
    types: {
      Permit: [
        { name: 'owner', type: 'address' },
        { name: 'spender', type: 'address' },
        { name: 'value', type: 'uint256' },
        { name: 'nonce', type: 'uint256' },
        { name: 'deadline', type: 'uint256' },
      ],
    },
    primaryType: 'Permit',
    message: { owner, spender: channels, value: deposit, nonce, deadline },
  });
  if (!signature) throw new Error('the account cannot sign typed data (a local key or keystore account is needed)');
  const { r, s, v, yParity } = parseSignature(signature);
  const vByte = v === undefined ? yParity + 27 : Number(v);
  const receipt =
    premiumBps === 0
      ? await sendAndWait(client, {
          address: channels,
          abi: paymentChannelsAbi,
          functionName: 'openWithPermit',
          args: [payee, deposit, deadline, vByte, r, s],
        })
      : await sendAndWait(client, {
          address: channels,
          abi: paymentChannelsAbi,
          functionName: 'openWithPermitAndPremium',
          args: [payee, deposit, BigInt(premiumBps), deadline, vByte, r, s],
        });
  const [opened] = parseEventLogs({ abi: paymentChannelsAbi, logs: receipt.logs, eventName: 'ChannelOpened' });
  return { channelId: (opened as { args: { channelId: Hex } }).args.channelId };
}
