/**
 * Opens a payment channel in one transaction: the funding account signs an ERC-2612 permit for the deposit
 * and the contract pulls it, so no separate approval is ever needed. Returns the channel id from the
 * `ChannelOpened` event.
 * - `openChannel`: the account is the channel's payer (it signs the vouchers): `openWithPermit`, or
 *   `openWithPermitAndPremium` with `premiumBps` > 0 (the payer pays price × (1 + premiumBps / 10,000); a
 *   governance-set share of the premium is burned on redemption, see docs/contracts.md).
 * - `openChannelFor`: the account funds a channel whose payer is another key (a one-time key per hop), and
 *   the unspent rest goes to `refundTo` (`openForWithPermit`).
 */
import { type Address, type Hex, isAddressEqual, parseEventLogs, parseSignature, type TransactionReceipt } from 'viem';
import { getBlock, readContract } from 'viem/actions';
import { bandwidthTokenAbi } from '../abi/bandwidthToken.ts';
import { paymentChannelsAbi } from '../abi/paymentChannels.ts';
import type { ChainClient } from '../chainClient.ts';
import type { Deployment } from '../deployment.ts';
import { AccountUnsupportedError, InvalidArgumentError } from '../errors.ts';
import { type SendTransactionErrorType, sendTransaction, type TransactionOptions } from './sendTransaction.ts';

/** How long the permit stays valid: ample for one transaction to be mined. */
const PERMIT_TTL_SECONDS = 3_600n;
/** The contract's `MAX_PREMIUM_BPS`: a premium of at most 100 % of the price. */
const MAX_PREMIUM_BPS = 10_000;
/** ERC-2612 permits are signed with a pre-EIP-155 `v` (27 or 28); viem may give only the y-parity. */
const LEGACY_V_OFFSET = 27;

export type OpenChannelParameters = TransactionOptions & {
  deployment: Deployment;
  payee: Address;
  /** RBT wei. */
  deposit: bigint;
  /** Priority premium in basis points, 0 … 10,000 (`MAX_PREMIUM_BPS`); 0 or omitted = a normal channel. */
  premiumBps?: number;
};
export type OpenChannelForParameters = OpenChannelParameters & {
  /** The key that signs the channel's vouchers (its payer). */
  payer: Address;
  /** Who gets the unspent rest at close; the funding account when omitted. */
  refundTo?: Address;
};
export type OpenChannelReturnType = { channelId: Hex; receipt: TransactionReceipt };
export type OpenChannelErrorType = InvalidArgumentError | AccountUnsupportedError | SendTransactionErrorType;

/**
 * @example
 * const { channelId } = await openChannel(client, { deployment, payee: provider, deposit: 10n ** 19n });
 */
export function openChannel(client: ChainClient, params: OpenChannelParameters): Promise<OpenChannelReturnType> {
  return openChannelFor(client, { ...params, payer: client.account.address });
}

/**
 * @example
 * const hopKey = privateKeyToAccount(generatePrivateKey());
 * const { channelId } = await openChannelFor(client, { deployment, payer: hopKey.address, payee, deposit });
 */
export async function openChannelFor(
  client: ChainClient,
  {
    deployment,
    payer,
    payee,
    deposit,
    premiumBps = 0,
    refundTo,
    label = 'open channel',
    onProgress,
  }: OpenChannelForParameters,
): Promise<OpenChannelReturnType> {
  if (!Number.isInteger(premiumBps) || premiumBps < 0 || premiumBps > MAX_PREMIUM_BPS)
    throw new InvalidArgumentError({
      name: 'premiumBps',
      value: premiumBps,
      expected: `an integer from 0 to ${MAX_PREMIUM_BPS}`,
    });
  const { token, channels } = deployment.contracts;
  const owner = client.account.address;
  const [nonce, name, block] = await Promise.all([
    readContract(client, { address: token, abi: bandwidthTokenAbi, functionName: 'nonces', args: [owner] }),
    readContract(client, { address: token, abi: bandwidthTokenAbi, functionName: 'name' }),
    getBlock(client),
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
  if (!signature) throw new AccountUnsupportedError({ needs: 'sign typed data (an ERC-2612 permit)' });
  const { r, s, v, yParity } = parseSignature(signature);
  const vByte = v === undefined ? yParity + LEGACY_V_OFFSET : Number(v);
  const forAnotherKey = !isAddressEqual(payer, owner);
  const receipt = forAnotherKey
    ? await sendTransaction(client, {
        address: channels,
        abi: paymentChannelsAbi,
        functionName: 'openForWithPermit',
        args: [payer, payee, deposit, BigInt(premiumBps), refundTo ?? owner, deadline, vByte, r, s],
        label,
        onProgress,
      })
    : premiumBps === 0
      ? await sendTransaction(client, {
          address: channels,
          abi: paymentChannelsAbi,
          functionName: 'openWithPermit',
          args: [payee, deposit, deadline, vByte, r, s],
          label,
          onProgress,
        })
      : await sendTransaction(client, {
          address: channels,
          abi: paymentChannelsAbi,
          functionName: 'openWithPermitAndPremium',
          args: [payee, deposit, BigInt(premiumBps), deadline, vByte, r, s],
          label,
          onProgress,
        });
  const [opened] = parseEventLogs({ abi: paymentChannelsAbi, logs: receipt.logs, eventName: 'ChannelOpened' });
  return { channelId: (opened as { args: { channelId: Hex } }).args.channelId, receipt };
}
