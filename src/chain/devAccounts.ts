/**
 * The funded accounts of the embedded chain (anvil's well-known dev mnemonic), by role. They hold
 * only devnet ETH; never use them on a real chain.
 */
import { type Hex, type LocalAccount, toHex } from 'viem';
import { mnemonicToAccount } from 'viem/accounts';
import { localAccount } from '../wallet/localAccount.ts';
import { ANVIL_MNEMONIC } from './anvil.ts';

/** Index of each role's account in the dev mnemonic. Index 0 deploys. */
export const DEV_ACCOUNT_INDEX = {
  deployer: 0,
  client: 1,
  provider: 2,
  auditor: 5,
} as const;

/** The private key of dev account `index` (for key files in tests and demos). */
export function devPrivateKey(index: number): Hex {
  const privateKey = mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: index }).getHdKey().privateKey;
  if (!privateKey) throw new Error(`dev account ${index} has no private key`);
  return toHex(privateKey);
}

export function devAccount(index: number): LocalAccount {
  return localAccount(devPrivateKey(index));
}
