/**
 * How an account gets its money on the devnet, the same for the devnet's customers and the auditors'
 * probe keys, so a probe key's funding history says nothing a customer's would not: gas granted by the
 * chain itself (`anvil_setBalance`, the devnet's stand-in for ETH bought elsewhere: no transaction, no
 * sender), tUSD from the TestDollar faucet and RBT bought on the curve, both sent by the account itself
 * (so its first tUSD and first RBT are minted from the zero address, as every customer's are).
 */
import { type Address, numberToHex, parseEther } from 'viem';
import { buyRbt } from '../chain/actions/buyRbt.ts';
import type { ChainClient } from '../chain/chainClient.ts';
import type { Deployment } from '../chain/deployment.ts';

/** What each anvil dev account starts with; a granted account gets the same. */
const DEVNET_GAS_WEI = parseEther('10000');

/** Gives `account` the devnet's gas balance without a transaction (only when it holds none). */
export async function grantDevnetGas(client: ChainClient, account: Address): Promise<void> {
  if ((await client.getBalance({ address: account })) > 0n) return;
  await client.request({ method: 'anvil_setBalance', params: [account, numberToHex(DEVNET_GAS_WEI)] } as never);
}

/** Funds `client`'s account as a devnet customer is funded: gas, `reserveIn` tUSD from the faucet, spent on RBT. */
export async function fundLikeACustomer(
  client: ChainClient,
  { deployment, reserveIn }: { deployment: Deployment; reserveIn: bigint },
): Promise<void> {
  await grantDevnetGas(client, client.account.address);
  await buyRbt(client, { deployment, reserveIn, useFaucet: true });
}
