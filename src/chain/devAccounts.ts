/**
 * The funded accounts of the embedded chain (anvil's well-known dev mnemonic), by role. They hold
 * only devnet ETH; never use them on a real chain.
 */
import type { HDAccount } from 'viem';
import { mnemonicToAccount } from 'viem/accounts';
import { ANVIL_MNEMONIC } from './anvil.ts';

/** Index of each role's account in the dev mnemonic. Index 0 deploys. */
export const DEV_ACCOUNT_INDEX = {
  deployer: 0,
  client: 1,
  provider: 2,
  auditor: 5,
} as const;

export function devAccount(index: number): HDAccount {
  return mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: index });
}
