/** Amounts on the command line: decimal strings in whole units (e.g. `12.5` RBT), never wei. */
import { InvalidArgumentError } from 'commander';
import { formatUnits, getAddress, isAddress, parseUnits } from 'viem';

export const RBT_DECIMALS = 18;

/** Parses a positive decimal amount with at most `decimals` fraction digits. */
export function parseAmount(value: string, decimals: number, unit: string): bigint {
  const text = value.trim().replaceAll('_', '');
  if (!/^\d+(\.\d+)?$/.test(text))
    throw new InvalidArgumentError(`expected a positive amount of ${unit} such as 10 or 2.5, got "${value}"`);
  const fraction = text.split('.')[1] ?? '';
  if (fraction.length > decimals)
    throw new InvalidArgumentError(`${unit} has ${decimals} decimals; "${value}" has more`);
  const amount = parseUnits(text, decimals);
  if (amount === 0n) throw new InvalidArgumentError(`the amount of ${unit} must be more than zero`);
  return amount;
}

/** commander parser for an amount whose decimals are known only later (the reserve token's): checks the form. */
export function parseDecimal(value: string): string {
  parseAmount(value, 77, 'the reserve token');
  return value;
}

/** commander parser for an RBT amount. */
export function parseRbt(value: string): bigint {
  return parseAmount(value, RBT_DECIMALS, 'RBT');
}

/** commander parser for an 0x address (checksummed on return). */
export function parseAddress(value: string): `0x${string}` {
  if (!isAddress(value, { strict: false }))
    throw new InvalidArgumentError(`"${value}" is not an address: expected 0x followed by 40 hex digits`);
  return getAddress(value);
}

/** commander parser for a 32-byte id (channel ids). */
export function parseBytes32(value: string): `0x${string}` {
  if (!/^0x[0-9a-fA-F]{64}$/.test(value))
    throw new InvalidArgumentError(`"${value}" is not an id: expected 0x followed by 64 hex digits`);
  return value.toLowerCase() as `0x${string}`;
}

/** commander parser for a percentage from 0 to 100. */
export function parsePercent(value: string): number {
  const percent = Number(value);
  if (!Number.isFinite(percent) || percent < 0 || percent > 100)
    throw new InvalidArgumentError(`expected a percentage from 0 to 100, got "${value}"`);
  return percent;
}

/** `amount` reduced by `percent` %, rounding down: the minimum accepted out of a trade. */
export function minusPercent(amount: bigint, percent: number): bigint {
  const ppm = BigInt(Math.round(percent * 10_000));
  return (amount * (1_000_000n - ppm)) / 1_000_000n;
}

export function formatRbt(wei: bigint): string {
  return formatUnits(wei, RBT_DECIMALS);
}

export { formatUnits };
