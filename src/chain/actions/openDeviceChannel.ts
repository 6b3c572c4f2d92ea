/**
 * A device opens a payment channel from its owner's on-chain budget (`DeviceBudgets.openChannel`): the device
 * key signs an EIP-712 `OpenChannel` request and `client` (any account: the owner's relayer, a provider)
 * submits it. The device key is the channel's payer; the unspent rest returns to the owner's balance. The
 * contract refuses a request beyond the device's budget for the period (`BudgetExceeded`).
 */
import { type Address, type Hex, type LocalAccount, parseEventLogs, type TransactionReceipt } from 'viem';
import { getBlock, readContract } from 'viem/actions';
import { deviceBudgetsAbi } from '../abi/deviceBudgets.ts';
import type { ChainClient } from '../chainClient.ts';
import type { Deployment } from '../deployment.ts';
import { AccountUnsupportedError } from '../errors.ts';
import { deviceBudgetsDomain, deviceOpenChannelTypes } from '../typedData.ts';
import { type SendTransactionErrorType, sendTransaction, type TransactionOptions } from './sendTransaction.ts';

/** How long a device's signed request stays valid. */
const REQUEST_TTL_SECONDS = 600n;

export type OpenDeviceChannelParameters = TransactionOptions & {
  deployment: Deployment;
  /** The device key: it signs the request, and later the channel's vouchers. */
  device: LocalAccount;
  payee: Address;
  /** RBT wei. */
  deposit: bigint;
  premiumBps?: number;
};
export type OpenDeviceChannelReturnType = { channelId: Hex; receipt: TransactionReceipt };
export type OpenDeviceChannelErrorType = AccountUnsupportedError | SendTransactionErrorType;

/**
 * @example
 * const { channelId } = await openDeviceChannel(relayer, { deployment, device, payee: provider, deposit });
 */
export async function openDeviceChannel(
  client: ChainClient,
  {
    deployment,
    device,
    payee,
    deposit,
    premiumBps = 0,
    label = 'open device channel',
    onProgress,
  }: OpenDeviceChannelParameters,
): Promise<OpenDeviceChannelReturnType> {
  const { budgets } = deployment.contracts;
  const [nonce, block] = await Promise.all([
    readContract(client, { address: budgets, abi: deviceBudgetsAbi, functionName: 'nonceOf', args: [device.address] }),
    getBlock(client),
  ]);
  const deadline = block.timestamp + REQUEST_TTL_SECONDS;
  if (!device.signTypedData) throw new AccountUnsupportedError({ needs: 'sign typed data (a device request)' });
  const signature = await device.signTypedData({
    domain: deviceBudgetsDomain(deployment.chainId, budgets),
    types: deviceOpenChannelTypes,
    primaryType: 'OpenChannel',
    message: { payee, deposit, premiumBps: BigInt(premiumBps), nonce, deadline },
  });
  const receipt = await sendTransaction(client, {
    address: budgets,
    abi: deviceBudgetsAbi,
    functionName: 'openChannel',
    args: [device.address, payee, deposit, BigInt(premiumBps), deadline, signature],
    label,
    onProgress,
  });
  const [opened] = parseEventLogs({ abi: deviceBudgetsAbi, logs: receipt.logs, eventName: 'DeviceChannelOpened' });
  return { channelId: (opened as { args: { channelId: Hex } }).args.channelId, receipt };
}
