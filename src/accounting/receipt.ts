/**
 * Session receipts: a statement of one paid session so far (bytes each way, amount, start and end),
 * signed by both sides at every checkpoint of the session and at its end — the unit of proof of
 * bandwidth. Receipts are cumulative, and each checkpoint has an id of its own
 * (`checkpointIdOf(sessionId, seq)`), carried in the EIP-712 struct's `sessionId` field: the registry
 * judges one receipt per id, so an honest provider signs exactly one receipt per checkpoint, and two
 * different receipts for one checkpoint id signed by the same provider are equivocation, which
 * `ProviderRegistry.slashEquivocation` punishes.
 */
import {
  type Address,
  encodeAbiParameters,
  type Hex,
  hashStruct,
  hashTypedData,
  isAddressEqual,
  keccak256,
  type LocalAccount,
  recoverTypedDataAddress,
} from 'viem';
import { type RegistryReceipt, receiptTypes, registryDomain } from '../chain/typedData.ts';

export type Receipt = RegistryReceipt;

/** Where receipts are judged: one chain, one ProviderRegistry. */
export type RegistryDomain = { chainId: number; registry: Address };

/** `keccak256(abi.encode(channelId, sessionNonce))`: unique per channel and session nonce. */
export function sessionIdOf(channelId: Hex, sessionNonce: Hex): Hex {
  return keccak256(encodeAbiParameters([{ type: 'bytes32' }, { type: 'bytes32' }], [channelId, sessionNonce]));
}

/**
 * The id of checkpoint `seq` (0, 1, 2, …) of a session: `keccak256(abi.encode(sessionId, uint64 seq))`. It goes
 * in the receipt's `sessionId` field, so every checkpoint is a receipt of its own for the registry.
 */
export function checkpointIdOf(sessionId: Hex, seq: number): Hex {
  return keccak256(encodeAbiParameters([{ type: 'bytes32' }, { type: 'uint64' }], [sessionId, BigInt(seq)]));
}

/** The EIP-712 struct hash of a receipt (domain-free): two receipts differ exactly when these differ. */
export function receiptStructHash(receipt: Receipt): Hex {
  return hashStruct({ data: receipt, primaryType: 'Receipt', types: receiptTypes });
}

export function signReceipt(account: LocalAccount, domain: RegistryDomain, receipt: Receipt): Promise<Hex> {
  return account.signTypedData({
    domain: registryDomain(domain.chainId, domain.registry),
    types: receiptTypes,
    primaryType: 'Receipt',
    message: receipt,
  });
}

/** True when `signature` over `receipt` recovers to `signer` under `domain`. */
export async function isReceiptSignedBy(
  domain: RegistryDomain,
  receipt: Receipt,
  signature: Hex,
  signer: Address,
): Promise<boolean> {
  try {
    const recovered = await recoverTypedDataAddress({
      domain: registryDomain(domain.chainId, domain.registry),
      types: receiptTypes,
      primaryType: 'Receipt',
      message: receipt,
      signature,
    });
    return isAddressEqual(recovered, signer);
  } catch {
    return false;
  }
}

/** The digest both sides sign, the one `ProviderRegistry.receiptDigest` returns. */
export function receiptDigest(domain: RegistryDomain, receipt: Receipt): Hex {
  return hashTypedData({
    domain: registryDomain(domain.chainId, domain.registry),
    types: receiptTypes,
    primaryType: 'Receipt',
    message: receipt,
  });
}

/** Two receipts contradict each other when they name the same session and differ in anything. */
export function isEquivocation(domain: RegistryDomain, a: Receipt, b: Receipt): boolean {
  return (
    a.sessionId.toLowerCase() === b.sessionId.toLowerCase() && receiptDigest(domain, a) !== receiptDigest(domain, b)
  );
}
