/**
 * Who pays for a hop's channel: a `ChannelFunder` opens a channel whose voucher signer is the hop's own
 * payer key (`hopKeys.ts`) and puts the deposit in. The wallet funder below pays from the wallet
 * (`PaymentChannels.openFor`, the unspent rest refunded to the wallet at close); another funder (a
 * shielded pool) can fund the same channels without the path builder changing.
 */
import { type Address, formatUnits, type Hex, type LocalAccount } from 'viem';
import { balanceOf } from '../chain/actions/balanceOf.ts';
import { cooperativeCloseSigned } from '../chain/actions/cooperativeCloseSigned.ts';
import { openChannelFor } from '../chain/actions/openChannelFor.ts';
import { openDeviceChannel } from '../chain/actions/openDeviceChannel.ts';
import { settleChannel } from '../chain/actions/settleChannel.ts';
import type { ChainClient } from '../chain/chainClient.ts';
import type { Deployment } from '../chain/deployment.ts';
import type { Logger } from '../log/logger.ts';
import { PathError } from './PathError.ts';
import type { CoSignedClose } from './requestCooperativeClose.ts';

export type FundChannelRequest = {
  /** The hop key: the channel's voucher signer. */
  payer: Address;
  /** The provider. */
  payee: Address;
  /** RBT wei. */
  deposit: bigint;
  premiumBps: number;
};

export type ChannelFunder = {
  /**
   * The key that pays every channel this funder opens (a device key, which the `DeviceBudgets` contract names
   * as the payer); unset: a fresh hop key per channel (`hopKeys.ts`).
   */
  readonly payerKey?: LocalAccount;
  /**
   * Opens and funds a channel from `payer` to `payee`; resolves with its id once mined.
   * @throws {PathError} `CLIENT_INSUFFICIENT_RBT` when the funds are not there.
   */
  fund(request: FundChannelRequest): Promise<{ channelId: Hex }>;
  /** Submits a co-signed cooperative close the provider did not (a hop key holds no gas); optional. */
  submitClose?(close: CoSignedClose): Promise<void>;
  /** Settles a channel whose unilateral close passed its challenge period (the rest is refunded); optional. */
  settle?(channelId: Hex): Promise<void>;
};

export type WalletFunderParameters = { client: ChainClient; deployment: Deployment; logger: Logger };

/** Funds each hop key's channel from the client's wallet, refunds going back to the wallet. */
export function createWalletFunder({ client, deployment, logger }: WalletFunderParameters): ChannelFunder {
  const wallet = client.account.address;
  return {
    async fund({ payer, payee, deposit, premiumBps }) {
      const balance = await balanceOf(client, { token: deployment.contracts.token, account: wallet });
      if (balance < deposit) {
        throw new PathError(
          `opening a channel needs ${formatUnits(deposit, 18)} RBT; the wallet holds ${formatUnits(balance, 18)}`,
          { code: 'CLIENT_INSUFFICIENT_RBT', details: 'buy RBT first (bandex token buy) or lower --deposit' },
        );
      }
      logger.info({ payee, deposit, premiumBps }, 'opening a payment channel for a hop key');
      const { channelId } = await openChannelFor(client, {
        deployment,
        payer,
        payee,
        deposit,
        premiumBps,
        refundTo: wallet,
      });
      return { channelId };
    },
    async submitClose(close) {
      await cooperativeCloseSigned(client, { deployment, ...close });
    },
    async settle(channelId) {
      await settleChannel(client, { deployment, channelId });
    },
  };
}

export type DeviceFunderParameters = {
  /** Submits the device's signed requests, closes and settles: the owner's relayer (gas, no RBT needed). */
  relayer: ChainClient;
  deployment: Deployment;
  /** The device key: it signs its channel requests and pays every channel (its vouchers, its closes). */
  device: LocalAccount;
  logger: Logger;
};

/**
 * Funds channels from the device's owner's on-chain budget (`DeviceBudgets.openChannel`): the device signs, the
 * relayer submits, the contract refuses what exceeds the device's budget for the period, and the unspent rest
 * of a closed channel returns to the owner's balance. The device key is every channel's payer, so the hops of
 * a device's path share a payer on chain: a device trades the per-hop keys' unlinkability for a budget no
 * stolen key can exceed (docs/sdk.md).
 */
export function createDeviceFunder({ relayer, deployment, device, logger }: DeviceFunderParameters): ChannelFunder {
  return {
    payerKey: device,
    async fund({ payee, deposit, premiumBps }) {
      logger.info({ payee, deposit, premiumBps }, 'opening a channel from the device budget');
      const { channelId } = await openDeviceChannel(relayer, { deployment, device, payee, deposit, premiumBps });
      return { channelId };
    },
    async submitClose(close) {
      await cooperativeCloseSigned(relayer, { deployment, ...close });
    },
    async settle(channelId) {
      await settleChannel(relayer, { deployment, channelId });
    },
  };
}
