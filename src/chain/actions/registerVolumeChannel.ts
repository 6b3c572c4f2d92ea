/**
 * Binds a channel's BabyJubJub volume key in VolumeLedger (`registerChannel`), with the payer's EIP-712
 * consent (`signVolumeChannelKey`). Anyone may send it: a provider registers the channels of its payers, so a
 * one-time payer key needs no gas.
 */
import type { Hex, LocalAccount, TransactionReceipt } from 'viem';
import { volumeLedgerAbi } from '../abi/volumeLedger.ts';
import type { ChainClient } from '../chainClient.ts';
import type { Deployment } from '../deployment.ts';
import { registerChannelKeyTypes, volumeDomain } from '../typedData.ts';
import { requireVolumeLedger } from './readVolume.ts';
import { type SendTransactionErrorType, sendTransaction, type TransactionOptions } from './sendTransaction.ts';

/** A BabyJubJub public key (src/volume/volumeKeys.ts derives it). */
export type VolumePublicKey = { x: bigint; y: bigint };

export type RegisterVolumeChannelParameters = TransactionOptions & {
  deployment: Deployment;
  channelId: Hex;
  key: VolumePublicKey;
  /** The payer's signature from `signVolumeChannelKey`. */
  signature: Hex;
};

/** The payer's consent to `key` for `channelId`. */
export function signVolumeChannelKey(
  payer: Pick<LocalAccount, 'signTypedData'>,
  { deployment, channelId, key }: { deployment: Deployment; channelId: Hex; key: VolumePublicKey },
): Promise<Hex> {
  return payer.signTypedData({
    domain: volumeDomain(deployment.chainId, requireVolumeLedger(deployment)),
    types: registerChannelKeyTypes,
    primaryType: 'RegisterChannelKey',
    message: { channelId, pubX: key.x, pubY: key.y },
  });
}

/**
 * @example
 * const signature = await signVolumeChannelKey(payer, { deployment, channelId, key });
 * await registerVolumeChannel(providerClient, { deployment, channelId, key, signature });
 */
export function registerVolumeChannel(
  client: ChainClient,
  {
    deployment,
    channelId,
    key,
    signature,
    label = 'register channel volume key',
    onProgress,
  }: RegisterVolumeChannelParameters,
): Promise<TransactionReceipt> {
  return sendTransaction(client, {
    address: requireVolumeLedger(deployment),
    abi: volumeLedgerAbi,
    functionName: 'registerChannel',
    args: [channelId, key.x, key.y, signature],
    label,
    onProgress,
  });
}

export type { SendTransactionErrorType as RegisterVolumeChannelErrorType };
