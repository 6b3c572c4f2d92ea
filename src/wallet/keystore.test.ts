import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { generatePrivateKey, privateKeyToAddress } from 'viem/accounts';
import { hasErrorCode } from '../errors/BaseError.ts';
import { decryptKeystore, encryptKeystore, keystoreAddress, readKeystoreFile, writeKeystoreFile } from './keystore.ts';
import { loadAccount, resolveAccountAddress } from './loadAccount.ts';

/** The test vectors of the Web3 Secret Storage definition, as geth keeps them (accounts/keystore/testdata/v3_test_vector.json). */
const WIKI_KEY = '0x7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d';
const WIKI_SCRYPT = {
  crypto: {
    cipher: 'aes-128-ctr',
    cipherparams: { iv: '83dbcc02d8ccb40e466191a123791e0e' },
    ciphertext: 'd172bf743a674da9cdad04534d56926ef8358534d458fffccd4e6ad2fbde479c',
    kdf: 'scrypt',
    kdfparams: {
      dklen: 32,
      n: 262144,
      r: 1,
      p: 8,
      salt: 'ab0c7876052600dd703518d6fc3fe8984592145b591fc8fb5c6d43190334ba19',
    },
    mac: '2103ac29920d71da29f15d75b4a16dbe95cfd7ff8faea1056c33131d846e3097',
  },
  id: '3198bc9c-6672-5ab3-d995-4942343ae5b6',
  version: 3,
};
const WIKI_PBKDF2 = {
  crypto: {
    cipher: 'aes-128-ctr',
    cipherparams: { iv: '6087dab2f9fdbbfaddc31a909735c1e6' },
    ciphertext: '5318b4d5bcd28de64ee5559e671353e16f075ecae9f99c7a79a38af5f869aa46',
    kdf: 'pbkdf2',
    kdfparams: {
      c: 262144,
      dklen: 32,
      prf: 'hmac-sha256',
      salt: 'ae3cd4e7013836a3df6bd7241b12db061dbe2c6785853cce422d148a624ce0bd',
    },
    mac: '517ead924a9d0dc3124507e3393d175ce3ff7c1e96529c6c555ce9e51205e9b2',
  },
  id: '3198bc9c-6672-5ab3-d995-4942343ae5b6',
  version: 3,
};
/** geth's 31-byte key vector: an old key file whose key lost its leading zero byte. */
const GETH_31_BYTE = {
  crypto: {
    cipher: 'aes-128-ctr',
    cipherparams: { iv: 'e0c41130a323adc1446fc82f724bca2f' },
    ciphertext: '9517cd5bdbe69076f9bf5057248c6c050141e970efa36ce53692d5d59a3984',
    kdf: 'scrypt',
    kdfparams: {
      dklen: 32,
      n: 2,
      r: 8,
      p: 1,
      salt: '711f816911c92d649fb4c84b047915679933555030b3552c1212609b38208c63',
    },
    mac: 'd5e116151c6aa71470e67a7d42c9620c75c4d23229847dcc127794f0732b0db5',
  },
  id: 'fecfc4ce-e956-48fd-953b-30f8b52ed66c',
  version: 3,
};

describe('Web3 Secret Storage v3 keystore', () => {
  test('decrypts the scrypt test vector', () => {
    assert.equal(decryptKeystore(WIKI_SCRYPT, 'testpassword'), WIKI_KEY);
  });

  test('decrypts the pbkdf2 test vector', () => {
    assert.equal(decryptKeystore(WIKI_PBKDF2, 'testpassword'), WIKI_KEY);
  });

  test('pads a short key from an old geth file to 32 bytes', () => {
    assert.equal(
      decryptKeystore(GETH_31_BYTE, 'foo'),
      '0x00fa7b3db73dc7dfdf8c5fbdb796d741e4488628c41fc4febd9160a866ba0f35',
    );
  });

  test('a wrong password fails on the MAC', () => {
    assert.throws(
      () => decryptKeystore(WIKI_PBKDF2, 'wrong', 'vector.json'),
      (error) =>
        hasErrorCode(error, 'WALLET_WRONG_PASSWORD') && /wrong password for keystore vector\.json/.test(String(error)),
    );
  });

  test('round-trips a fresh key and records its address', () => {
    const key = generatePrivateKey();
    const json = encryptKeystore(key, 'correct horse');
    assert.equal(json.version, 3);
    assert.equal(json.crypto.kdf, 'scrypt');
    assert.equal(keystoreAddress(json), privateKeyToAddress(key));
    assert.equal(decryptKeystore(JSON.parse(JSON.stringify(json)), 'correct horse'), key);
    assert.ok(!JSON.stringify(json).includes(key.slice(2)), 'the key never appears in the file');
  });

  test('rejects files that are not v3 key files', () => {
    const bad = [null, { version: 1 }, { ...WIKI_SCRYPT, crypto: { ...WIKI_SCRYPT.crypto, cipher: 'aes-128-cbc' } }];
    for (const json of bad)
      assert.throws(
        () => decryptKeystore(json, 'x', 'k.json'),
        (e) => hasErrorCode(e, 'WALLET_KEYSTORE'),
      );
  });

  test('writes 0600 files, never overwrites by accident, loads through loadAccount', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bandex-keystore-'));
    const file = join(dir, 'key.json');
    const key = generatePrivateKey();
    writeKeystoreFile(file, encryptKeystore(key, 'pw'));
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.throws(() => writeKeystoreFile(file, encryptKeystore(key, 'other')), /already exists/);
    assert.equal(readKeystoreFile(file).address, privateKeyToAddress(key).slice(2).toLowerCase());
    const passwordFile = join(dir, 'pw.txt');
    writeFileSync(passwordFile, 'pw\n');
    const account = await loadAccount({ keystore: file, passwordFile });
    assert.equal(account.address, privateKeyToAddress(key));
    assert.equal(
      (await loadAccount({ keystore: file, env: { BANDEX_PASSWORD: 'pw' }, prompt: false })).address,
      account.address,
    );
    await assert.rejects(loadAccount({ keystore: file, env: {}, prompt: false }), /no keystore password given/);
    const keyFile = join(dir, 'raw.key');
    writeFileSync(keyFile, WIKI_KEY);
    assert.equal((await loadAccount({ keyFile, keystore: file })).address, privateKeyToAddress(WIKI_KEY));
    assert.equal(await resolveAccountAddress({ keystore: file, env: {}, prompt: false }), account.address);
    assert.ok(readFileSync(file, 'utf8').includes('"kdf": "scrypt"'));
  });
});

test('portable scrypt agrees with node:crypto where both apply', async () => {
  const { scryptSync } = await import('node:crypto');
  const { scryptPortable } = await import('./scrypt.ts');
  const salt = Buffer.from('NaCl');
  for (const [n, r, p] of [
    [16, 1, 1],
    [1024, 8, 2],
    [64, 2, 3],
  ] as const) {
    assert.deepEqual(
      scryptPortable(Buffer.from('password'), salt, n, r, p, 64),
      scryptSync('password', salt, 64, { N: n, r, p }),
    );
  }
});
