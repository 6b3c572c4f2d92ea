/** Formatting for the dashboard: wei as RBT, bytes, rates, short addresses. */

const WEI_PER_RBT = 10n ** 18n;

/** Wei (decimal string or bigint) as a number of RBT, for charts. */
export function rbtNumber(wei: string | bigint | undefined): number {
  const value = BigInt(wei ?? 0);
  return Number(value / 10n ** 9n) / 1e9;
}

/** Wei as RBT with up to `digits` decimals, e.g. `2.831543 RBT`. */
export function formatRbt(wei: string | bigint | undefined, digits = 6): string {
  const value = BigInt(wei ?? 0);
  const whole = value / WEI_PER_RBT;
  const fraction = (value % WEI_PER_RBT).toString().padStart(18, '0').slice(0, digits).replace(/0+$/, '');
  return `${whole.toLocaleString('en')}${fraction ? `.${fraction}` : ''} RBT`;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

export function formatRate(bytesPerSecond: number): string {
  return `${formatBytes(bytesPerSecond)}/s`;
}

export function shortAddress(address: string): string {
  return `${address.slice(0, 6)}…${address.slice(-4)}`;
}

export function formatPpm(ppm: string | number): string {
  return `${(Number(ppm) / 10_000).toFixed(1)} %`;
}
