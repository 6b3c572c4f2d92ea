/** The one client type for writing to a chain: a viem wallet client with public actions. */
import {
  type Account,
  type Chain,
  createWalletClient,
  http,
  type PublicActions,
  publicActions,
  type Transport,
  type WalletClient,
} from 'viem';

export type ChainClient = WalletClient<Transport, Chain | undefined, Account> &
  PublicActions<Transport, Chain | undefined>;

/** A client that signs with `account` and talks to `rpc` over HTTP. */
export function createChainClient(rpc: string, account: Account): ChainClient {
  return createWalletClient({ account, transport: http(rpc) }).extend(publicActions);
}
