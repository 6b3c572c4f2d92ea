import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { hasErrorCode } from '../errors/BaseError.ts';
import { resolveConfig } from './config.ts';

test('config: defaults, then file, then environment, then flags', () => {
  const home = mkdtempSync(join(tmpdir(), 'bandex-config-'));
  const env = { XDG_CONFIG_HOME: join(home, 'config'), XDG_DATA_HOME: join(home, 'data') };
  const cwd = join(home, 'work');

  const defaults = resolveConfig({ env, cwd });
  assert.equal(defaults.rpc, 'http://127.0.0.1:8545');
  assert.equal(defaults.keystore, join(home, 'data/bandex/keystore.json'));
  assert.equal(defaults.deploymentsDir, join(cwd, 'deployments'));
  assert.equal(defaults.configFile, join(home, 'config/bandex/config.json'));
  assert.equal(defaults.sources.rpc, 'default');

  mkdirSync(join(home, 'config/bandex'), { recursive: true });
  writeFileSync(
    join(home, 'config/bandex/config.json'),
    JSON.stringify({ rpc: 'http://file:1', keystore: 'keys/a.json', deployment: '/abs/31337.json' }),
  );
  const fromFile = resolveConfig({ env, cwd });
  assert.equal(fromFile.rpc, 'http://file:1');
  assert.equal(fromFile.keystore, join(home, 'config/bandex/keys/a.json'), 'relative to the config file');
  assert.equal(fromFile.deployment, '/abs/31337.json');
  assert.equal(fromFile.sources.keystore, 'config');

  const fromEnv = resolveConfig({ env: { ...env, BANDEX_RPC: 'http://env:2', BANDEX_KEYSTORE: 'k.json' }, cwd });
  assert.equal(fromEnv.rpc, 'http://env:2');
  assert.equal(fromEnv.keystore, join(cwd, 'k.json'), 'relative to the working directory');
  assert.equal(fromEnv.sources.rpc, 'env');

  const fromFlags = resolveConfig({
    env: { ...env, BANDEX_RPC: 'http://env:2' },
    cwd,
    flags: { rpc: 'http://flag:3' },
  });
  assert.equal(fromFlags.rpc, 'http://flag:3');
  assert.equal(fromFlags.sources.rpc, 'flag');
});

test('config: a bad or missing explicit file says what is wrong', () => {
  const home = mkdtempSync(join(tmpdir(), 'bandex-config-'));
  const file = join(home, 'c.json');
  writeFileSync(file, JSON.stringify({ rcp: 'http://typo' }));
  assert.throws(
    () => resolveConfig({ flags: { config: file }, env: {} }),
    (e) => hasErrorCode(e, 'CONFIG_INVALID') && /unknown key "rcp"/.test(String(e)),
  );
  assert.throws(() => resolveConfig({ env: { BANDEX_CONFIG: join(home, 'none.json') } }), /no such file/);
  writeFileSync(file, '{ not json');
  assert.throws(() => resolveConfig({ flags: { config: file }, env: {} }), /not valid JSON/);
});
