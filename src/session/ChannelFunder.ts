/**
 * Who pays for a hop's channel: a `ChannelFunder` opens a channel whose voucher signer is the hop's own
 * payer key (`hopKeys.ts`) and puts the deposit in. The wallet funder below pays from the wallet
 * (`PaymentChannels.openFor`, the unspent rest refunded to the wallet at close); another funder (a
 * shielded pool) can fund the same channels without the path builder changing.
 */
import { type Address, formatUnits, type Hex } from 'viem';
import { balanceOf } from '../chain/actions/balanceOf.ts';
import { openChannelFor } from '../chain/actions/openChannelFor.ts';
import type { ChainClient } from '../chain/chainClient.ts';
import type { Deployment } from '../chain/deployment.ts';
import type { Logger } from '../log/logger.ts';
import { PathError } from './PathError.ts';

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
   * Opens and funds a channel from `payer` to `payee`; resolves with its id once mined.
   * @throws {PathError} `CLIENT_INSUFFICIENT_RBT` when the funds are not there.
   */
  fund(request: FundChannelRequest): Promise<{ channelId: Hex }>;
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
  };
}
