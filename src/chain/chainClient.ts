/**
 * The client types of chain access: `ChainClient` writes (a viem wallet client with public actions);
 * `ReadClient` is any viem client, which is all a read action needs.
 */
import {
  type Account,
  type Chain,
  type Client,
  createWalletClient,
  http,
  type PublicActions,
  publicActions,
  type Transport,
  type WalletClient,
} from 'viem';

/** Any viem client (public or wallet): what read actions take. */
export type ReadClient = Client<Transport, Chain | undefined>;

export type ChainClient = WalletClient<Transport, Chain | undefined, Account> &
  PublicActions<Transport, Chain | undefined>;

/** A client that signs with `account` and talks to `rpc` over HTTP. */
export function createChainClient(rpc: string, account: Account): ChainClient {
  return createWalletClient({ account, transport: http(rpc) }).extend(publicActions);
}
