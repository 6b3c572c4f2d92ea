/**
 * `bandex wallet` and the account options every command shares, through the real binary against an
 * embedded chain: create/import/show, the v3 keystore on disk, password sources, the config file and its
 * environment and flag overrides, and wrong input (bad address, missing key file or keystore, wrong or
 * missing password) with exit code and message.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { decryptKeystore } from '../../src/wallet/keystore.ts';
import { assertFailure, type Bench, startBench } from '../support/bandexCli.ts';

describe('bandex wallet', () => {
  let bench: Bench;
  let passwordFile: string;

  before(async () => {
    bench = await startBench('wallet');
    passwordFile = join(bench.dir, 'password.txt');
    writeFileSync(passwordFile, 'correct horse battery staple\n');
  });
  after(() => bench.stop());

  test('create writes an encrypted v3 keystore (0600) and prints only the address', async () => {
    const result = await bench.run(['wallet', 'create', '--password-file', passwordFile, '--json']);
    assert.equal(result.code, 0, result.stderr);
    const { address, keystore } = JSON.parse(result.stdout);
    assert.equal(keystore, join(bench.env.XDG_DATA_HOME as string, 'bandex/keystore.json'), 'the XDG data folder');
    assert.equal(statSync(keystore).mode & 0o777, 0o600);
    const json = JSON.parse(readFileSync(keystore, 'utf8'));
    assert.equal(json.version, 3);
    assert.equal(json.crypto.kdf, 'scrypt');
    assert.equal(json.crypto.cipher, 'aes-128-ctr');
    const key = decryptKeystore(json, 'correct horse battery staple');
    assert.ok(!result.stdout.includes(key.slice(2)) && !result.stderr.includes(key.slice(2)), 'key never printed');

    const again = await bench.run(['wallet', 'create', '--password-file', passwordFile]);
    assertFailure(again, /a key file already exists there: choose another path with --keystore/);

    const show = await bench.run(['wallet', 'show', '--json'], { env: { BANDEX_PASSWORD: undefined } });
    assert.equal(show.code, 0, show.stderr);
    const balances = JSON.parse(show.stdout);
    assert.equal(balances.address, address, 'show needs no password: the keystore names its address');
    assert.equal(balances.eth, '0');
    assert.equal(balances.rbt, '0');
    assert.equal(balances.reserve.symbol, 'tUSD');
  });

  test('import a key file, then every command signs with the keystore', async () => {
    const { file, address } = bench.keyFile(7);
    const keystore = join(bench.dir, 'imported.json');
    const imported = await bench.run(['wallet', 'import', '--key-file', file, '--keystore', keystore, '--json'], {
      env: { BANDEX_PASSWORD: 'pw-7' },
    });
    assert.equal(imported.code, 0, imported.stderr);
    assert.deepEqual(JSON.parse(imported.stdout), { address, keystore });

    const bought = await bench.run(['token', 'buy', '10', '--faucet', '--keystore', keystore, '--json'], {
      env: { BANDEX_PASSWORD: 'pw-7' },
    });
    assert.equal(bought.code, 0, bought.stderr);
    assert.match(bought.stderr, /buy RBT: sent 0x[0-9a-f]{64}/, 'progress on stderr');
    assert.match(bought.stderr, /buy RBT: confirmed in block \d+/);

    const show = await bench.run(['wallet', 'show', '--keystore', keystore]);
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, new RegExp(`address +${address}`));
    assert.match(show.stdout, /tUSD +9990\n/);
    assert.match(show.stdout, /ETH +9999\.9/);
  });

  test('import from standard input', async () => {
    const { file, address } = bench.keyFile(8);
    const keystore = join(bench.dir, 'stdin.json');
    const result = await bench.run(
      ['wallet', 'import', '--stdin', '--keystore', keystore, '--password-file', passwordFile, '--json'],
      { input: readFileSync(file, 'utf8') },
    );
    assert.equal(result.code, 0, result.stderr);
    assert.equal(JSON.parse(result.stdout).address, address);
  });

  test('a wrong password is refused before anything is sent', async () => {
    const keystore = join(bench.dir, 'imported.json');
    const result = await bench.run(['token', 'buy', '1', '--keystore', keystore], { env: { BANDEX_PASSWORD: 'nope' } });
    assertFailure(result, /wrong password for keystore .*imported\.json: check --password-file or BANDEX_PASSWORD/);
  });

  test('no password and no terminal says where a password can come from', async () => {
    const keystore = join(bench.dir, 'imported.json');
    const result = await bench.run(['token', 'sell', '1', '--keystore', keystore]);
    assertFailure(result, /no keystore password given .*pass --password-file FILE, set BANDEX_PASSWORD/);
  });

  test('missing key file, keystore and password file each say what to do', async () => {
    const [keyFile, keystore, password, badKeystore] = await Promise.all([
      bench.run(['token', 'buy', '1', '--key-file', join(bench.dir, 'none.key')]),
      bench.run(['channel', 'list', '--keystore', join(bench.dir, 'none.json')]),
      bench.run(['stake', '1000', '--keystore', join(bench.dir, 'imported.json'), '--password-file', 'nope.txt']),
      bench.run(['wallet', 'show', '--keystore', passwordFile]),
    ]);
    assertFailure(keyFile, /cannot use key file .*none\.key: no such file: the file must hold one private key/);
    assertFailure(keystore, /cannot use keystore .*none\.json: no such file: create one with `bandex wallet create`/);
    assertFailure(password, /cannot read password file .*nope\.txt: no such file/);
    assertFailure(badKeystore, /cannot use keystore .*password\.txt: not valid JSON/);
  });

  test('bad addresses and amounts are refused with what is expected', async () => {
    const [address, amount, key] = await Promise.all([
      bench.run(['wallet', 'show', '--address', '0x1234']),
      bench.run(['token', 'buy', 'ten']),
      bench.run(['wallet', 'import', '--key-file', passwordFile, '--keystore', join(bench.dir, 'x.json')], {
        env: { BANDEX_PASSWORD: 'x' },
      }),
    ]);
    assertFailure(address, /"0x1234" is not an address: expected 0x followed by 40 hex digits/);
    assertFailure(amount, /expected a positive amount of .* such as 10 or 2\.5, got "ten"/);
    assertFailure(key, /does not hold a 32-byte hex key/);
  });

  test('config file, environment and flags: the later wins', async () => {
    const { file, address } = bench.keyFile(6);
    const configHome = join(bench.dir, 'cfg-home');
    mkdirSync(join(configHome, 'bandex'), { recursive: true });
    writeFileSync(
      join(configHome, 'bandex/config.json'),
      JSON.stringify({ rpc: bench.rpc, deployment: bench.chain.deploymentFile, keyFile: file }),
    );
    const env = { XDG_CONFIG_HOME: configHome, BANDEX_RPC: undefined, BANDEX_DEPLOYMENT: undefined };
    const fromFile = await bench.run(['wallet', 'show', '--json'], { env });
    assert.equal(fromFile.code, 0, fromFile.stderr);
    assert.equal(JSON.parse(fromFile.stdout).address, address, 'rpc, deployment and key file from config.json');

    const badEnv = await bench.run(['wallet', 'show'], { env: { ...env, BANDEX_RPC: 'http://127.0.0.1:1' } });
    assertFailure(badEnv, /cannot reach the RPC at http:\/\/127\.0\.0\.1:1/);

    const flagWins = await bench.run(['wallet', 'show', '--json', '--rpc', bench.rpc], {
      env: { ...env, BANDEX_RPC: 'http://127.0.0.1:1' },
    });
    assert.equal(flagWins.code, 0, flagWins.stderr);

    writeFileSync(join(configHome, 'bandex/config.json'), JSON.stringify({ rpcUrl: bench.rpc }));
    const typo = await bench.run(['wallet', 'show'], { env });
    assertFailure(typo, /config file .*config\.json is unusable: unknown key "rpcUrl"/);
  });
});
