/**
 * `@zk-kit/eddsa-poseidon` through its CommonJS build: its ESM build imports named exports from
 * `blakejs`, a CommonJS module Node cannot read them from.
 */
import { createRequire } from 'node:module';

type EddsaPoseidon = typeof import('@zk-kit/eddsa-poseidon');

export const { signMessage, verifySignature, derivePublicKey } = createRequire(import.meta.url)(
  '@zk-kit/eddsa-poseidon',
) as EddsaPoseidon;
export type { Signature } from '@zk-kit/eddsa-poseidon';
