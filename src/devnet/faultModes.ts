/**
 * Misbehaving devnet providers for the audit acceptance (`bandex devnet --faulty MODE`): `blackhole`
 * accepts sessions, then drops the traffic; `throttle` serves a tenth of its claimed capacity;
 * `overclaim` claims ten times its real one; `blackhole-customers` serves the sessions that look
 * like an auditor's (by payer, its funding, channel age, start time) and drops every other one. (Kept apart from startDevnet.ts so the CLI can parse
 * the flag without loading the devnet.)
 */
export const FAULT_MODES = ['blackhole', 'throttle', 'overclaim', 'blackhole-customers'] as const;
export type FaultMode = (typeof FAULT_MODES)[number];
