/**
 * Settings of the `bandex` command, from three places, the later winning: the config file
 * (`$XDG_CONFIG_HOME/bandex/config.json`, else `~/.config/bandex/config.json`, or the file named by
 * `--config` / `BANDEX_CONFIG`), the environment (`BANDEX_RPC`, `BANDEX_DEPLOYMENT`, `BANDEX_KEYSTORE`,
 * `BANDEX_PASSWORD_FILE`, `BANDEX_KEY_FILE`), and command-line flags. Relative paths in the config file
 * are relative to the file; relative paths in flags and the environment to the working directory.
 *
 * @example config.json
 * { "rpc": "https://l2.example/rpc", "deployment": "deployments/8453.json", "keystore": "keys/provider.json" }
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { BaseError } from '../errors/BaseError.ts';

export const CONFIG_KEYS = ['rpc', 'deployment', 'deploymentsDir', 'keystore', 'passwordFile', 'keyFile'] as const;
export type ConfigKey = (typeof CONFIG_KEYS)[number];
export type BandexConfig = Partial<Record<ConfigKey, string>>;

/** Environment variable of each setting. */
export const CONFIG_ENV: Record<ConfigKey, string> = {
  rpc: 'BANDEX_RPC',
  deployment: 'BANDEX_DEPLOYMENT',
  deploymentsDir: 'BANDEX_DEPLOYMENTS_DIR',
  keystore: 'BANDEX_KEYSTORE',
  passwordFile: 'BANDEX_PASSWORD_FILE',
  keyFile: 'BANDEX_KEY_FILE',
};

const PATH_KEYS: ReadonlySet<ConfigKey> = new Set([
  'deployment',
  'deploymentsDir',
  'keystore',
  'passwordFile',
  'keyFile',
]);

export type ConfigSource = 'flag' | 'env' | 'config' | 'default';

export type ResolvedConfig = {
  /** JSON-RPC endpoint (default: the embedded chain, http://127.0.0.1:8545). */
  rpc: string;
  /** Deployment file; when unset, `<deploymentsDir>/<chainId>.json` of the chain the RPC serves. */
  deployment?: string;
  /** Where deployment files are looked up by chain id (default: ./deployments). */
  deploymentsDir: string;
  /** Keystore file (default: `$XDG_DATA_HOME/bandex/keystore.json`, else ~/.local/share/bandex/keystore.json). */
  keystore: string;
  passwordFile?: string;
  keyFile?: string;
  /** The config file consulted (it may not exist). */
  configFile: string;
  /** Where each setting came from. */
  sources: Record<ConfigKey, ConfigSource | undefined>;
};

export class ConfigFileError extends BaseError<{ file: string }> {
  override name = 'ConfigFileError';
  constructor(file: string, reason: string, cause?: unknown) {
    super(`config file ${file} is unusable: ${reason}`, {
      code: 'CONFIG_INVALID',
      details: `it must be a JSON object with some of the keys ${CONFIG_KEYS.join(', ')}, each a string`,
      meta: { file },
      cause,
    });
  }
}

/** `$XDG_CONFIG_HOME/bandex`, else `~/.config/bandex`. */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  const base =
    env.XDG_CONFIG_HOME && isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : join(homedir(), '.config');
  return join(base, 'bandex');
}

/** `$XDG_DATA_HOME/bandex`, else `~/.local/share/bandex`: where the default keystore lives. */
export function dataDir(env: NodeJS.ProcessEnv = process.env): string {
  const base =
    env.XDG_DATA_HOME && isAbsolute(env.XDG_DATA_HOME) ? env.XDG_DATA_HOME : join(homedir(), '.local', 'share');
  return join(base, 'bandex');
}

/** Reads a config file; a missing file is an empty config unless `required`. */
export function readConfigFile(file: string, { required = false } = {}): BandexConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !required) return {};
    throw new ConfigFileError(file, code === 'ENOENT' ? 'no such file' : `unreadable (${code})`, cause);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw new ConfigFileError(file, 'not valid JSON', cause);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigFileError(file, 'not an object');
  const config: BandexConfig = {};
  for (const [key, value] of Object.entries(raw)) {
    if (!(CONFIG_KEYS as readonly string[]).includes(key)) throw new ConfigFileError(file, `unknown key "${key}"`);
    if (typeof value !== 'string') throw new ConfigFileError(file, `"${key}" must be a string`);
    config[key as ConfigKey] = PATH_KEYS.has(key as ConfigKey) ? resolve(dirname(file), expandHome(value)) : value;
  }
  return config;
}

export type ResolveConfigParameters = {
  /** Values given on the command line (undefined = not given). `config` names the config file. */
  flags?: BandexConfig & { config?: string };
  env?: NodeJS.ProcessEnv;
  cwd?: string;
};

/** Merges config file, environment and flags into the settings a command uses. */
export function resolveConfig({ flags = {}, env = process.env, cwd = process.cwd() }: ResolveConfigParameters = {}) {
  const explicitFile = flags.config ?? env.BANDEX_CONFIG;
  const configFile = explicitFile ? resolve(cwd, expandHome(explicitFile)) : join(configDir(env), 'config.json');
  const fromFile = readConfigFile(configFile, { required: explicitFile !== undefined });
  const values: BandexConfig = {};
  const sources = {} as Record<ConfigKey, ConfigSource | undefined>;
  for (const key of CONFIG_KEYS) {
    const flag = flags[key];
    const fromEnv = env[CONFIG_ENV[key]];
    const pick = (value: string, source: ConfigSource, relative: boolean) => {
      values[key] = relative && PATH_KEYS.has(key) ? resolve(cwd, expandHome(value)) : value;
      sources[key] = source;
    };
    if (flag !== undefined) pick(flag, 'flag', true);
    else if (fromEnv !== undefined && fromEnv !== '') pick(fromEnv, 'env', true);
    else if (fromFile[key] !== undefined) pick(fromFile[key], 'config', false);
  }
  const withDefault = <K extends ConfigKey>(key: K, fallback: string): string => {
    if (values[key] !== undefined) return values[key];
    sources[key] = 'default';
    return fallback;
  };
  const resolved: ResolvedConfig = {
    rpc: withDefault('rpc', 'http://127.0.0.1:8545'),
    deployment: values.deployment,
    deploymentsDir: withDefault('deploymentsDir', resolve(cwd, 'deployments')),
    keystore: withDefault('keystore', join(dataDir(env), 'keystore.json')),
    passwordFile: values.passwordFile,
    keyFile: values.keyFile,
    configFile,
    sources,
  };
  return resolved;
}

function expandHome(path: string): string {
  return path === '~' || path.startsWith('~/') ? join(homedir(), path.slice(1)) : path;
}
