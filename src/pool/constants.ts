/**
 * Parameters of the shielded pool shared by the circuit (circuits/poolSpend.circom), the contract
 * (contracts/src/ShieldedPool.sol) and the client. Changing one means a new circuit, verifier and pool.
 */

/** The BN254 scalar field: every note field, key and public signal is below it. */
export const SNARK_SCALAR_FIELD = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

/** `PoolSpend(MAX_DEPTH, …)`: the deepest tree a proof can open (2^20 notes). */
export const POOL_TREE_DEPTH = 20;

/** `PoolSpend(…, VALUE_BITS)`: amounts and change are below 2^96 wei (7.9e10 RBT), so nothing wraps mod p. */
export const POOL_VALUE_BITS = 96;

/** The circuit whose proofs the pool verifies. */
export const POOL_CIRCUIT = 'poolSpend';
