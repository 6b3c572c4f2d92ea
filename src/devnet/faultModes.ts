/**
 * Misbehaving devnet providers for the audit acceptance (`bandex devnet --faulty MODE`): `blackhole`
 * accepts sessions, then drops the traffic; `throttle` serves a tenth of its claimed capacity;
 * `overclaim` claims ten times its real one. (Kept apart from startDevnet.ts so the CLI can parse
 * the flag without loading the devnet.)
 */
export const FAULT_MODES = ['blackhole', 'throttle', 'overclaim'] as const;
export type FaultMode = (typeof FAULT_MODES)[number];
