/**
 * The layers of src/, written once: each top-level folder is a layer, `LAYERS` says which layers it may
 * import (its own files always; what a listed layer may import, too: the table is read transitively),
 * and this test reads every import in src/ (static, `import type`, `export … from`, dynamic `import()`)
 * and fails on one that points the wrong way, printing `file:line → target` and why it is not allowed.
 *
 * Besides the table: production files import nothing outside src/ (test helpers live in test/support/,
 * which only `*.test.ts` files may import), and a folder missing from the table fails until it is placed.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, it } from 'node:test';
import { findImports } from './support/sourceScan.ts';

type Layer = { mayImport: readonly string[]; why: string };

/** Layer → the layers it may import, bottom to top. */
const LAYERS: Record<string, Layer> = {
  'packageVersion.ts': { mayImport: [], why: 'the package version, so the API and the CLI can report it; bottom' },
  errors: { mayImport: [], why: 'the error model every layer throws; bottom' },
  log: { mayImport: ['errors'], why: 'the logger every layer takes; bottom' },
  wallet: {
    mayImport: ['errors', 'log'],
    why: 'keys, keystores and local accounts; the chain’s dev accounts build on it',
  },
  config: { mayImport: ['errors', 'log'], why: 'the config file; only the CLI reads it' },
  api: {
    mayImport: ['errors', 'log', 'packageVersion.ts'],
    why: 'the local HTTP API serves what the daemons hand it (status, metrics): imports nothing above log/errors, so the daemons, devnet and cli may import it',
  },
  chain: {
    mayImport: ['wallet'],
    why: 'contracts, ABIs, typed data and transactions; knows nothing of the protocol above it',
  },
  accounting: { mayImport: ['chain'], why: 'payment state machines; vouchers are the chain’s typed data' },
  volume: {
    mayImport: ['chain', 'zk'],
    why: 'served-volume proofs: receipt messages, keys, witnesses (pure) and proving; the chain’s typed data below',
  },
  store: {
    mayImport: ['accounting', 'volume'],
    why: 'SQLite persistence of channels, claims and receipts (accounting and volume types)',
  },
  transport: {
    mayImport: ['errors', 'log'],
    why: 'how hop 1’s connection looks on the wire (plain, obfs, wss): framing and sockets under the tunnel; knows nothing of Noise',
  },
  tunnel: {
    mayImport: ['errors', 'log', 'transport'],
    why: 'the data plane: Noise, mux, proxy fronts; knows nothing of payment or peers',
  },
  net: {
    mayImport: ['chain', 'transport'],
    why: 'libp2p control plane: offers and peer bindings are the chain’s signed data; offers list transports',
  },
  zk: {
    mayImport: ['errors', 'log'],
    why: 'the ZK toolchain: circuits, the development ceremony, Groth16 proofs; knows nothing of the protocol',
  },
  pool: {
    mayImport: ['chain', 'zk'],
    why: 'the shielded pool: notes, spend proofs, the funder that pays channels from the pool',
  },
  session: {
    mayImport: ['accounting', 'chain', 'net', 'pool', 'store', 'tunnel'],
    why: 'path building and payments in the tunnel: where the parts below meet',
  },
  watcher: {
    mayImport: ['accounting', 'chain', 'store'],
    why: 'redeems payee channels before they close; the provider runs it',
  },
  reputation: {
    mayImport: ['session'],
    why: 'audit gossip and the reputation book, shared by the client and the auditor',
  },
  daemon: {
    mayImport: ['api', 'reputation'],
    why: 'what every daemon is made of: the part lifecycle, joining the network as a client, the network view',
  },
  audit: {
    mayImport: ['daemon'],
    why: 'the auditor daemon; a sibling of client and provider, imports neither',
  },
  client: {
    mayImport: ['daemon'],
    why: 'the client daemon; a sibling of audit and provider, imports neither',
  },
  provider: {
    mayImport: ['daemon', 'watcher'],
    why: 'the provider daemon; a sibling of audit and client, imports neither',
  },
  vpn: {
    mayImport: ['tunnel'],
    why: 'the system-wide VPN: WireGuard at the client and the exit, carried by tunnel flows; nftables, routes, DNS',
  },
  sdk: {
    mayImport: ['client'],
    why: "the package entry point (`import { createClient } from 'bandex'`): a client in an app’s process",
  },
  devnet: {
    mayImport: ['api', 'audit', 'client', 'provider'],
    why: 'a local network of every daemon for demos and tests; top',
  },
  cli: { mayImport: ['config', 'devnet', 'vpn'], why: 'the bandex command: wires everything; top' },
};

/**
 * Imports that break the table today, each `importing file → imported file` (paths from the repository
 * root). Empty by intent: it records what other branches are fixing, so the test passes meanwhile, and
 * an entry that no longer occurs fails the test until it is removed.
 */
const KNOWN_VIOLATIONS: readonly string[] = [];

const ROOT = resolve(import.meta.dirname, '..');
const SRC = join(ROOT, 'src');
const SUPPORT = join(ROOT, 'test', 'support');

/** Everything `layer` may import: its own list, read transitively. */
function allowedFrom(layers: Record<string, Layer>, layer: string): Set<string> {
  const allowed = new Set<string>();
  const visit = (name: string) => {
    for (const below of layers[name]?.mayImport ?? []) {
      if (allowed.has(below)) continue;
      allowed.add(below);
      visit(below);
    }
  };
  visit(layer);
  return allowed;
}

type Violation = { at: string; from: string; to: string; key: string; why: string };

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return listFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

const repoPath = (path: string) => relative(ROOT, path).split(sep).join('/');
const layerOf = (path: string) => relative(SRC, path).split(sep)[0] as string;
const isInside = (path: string, dir: string) => !relative(dir, path).startsWith('..');

/** Every import in src/ that the table (or the rules beside it) does not allow. */
function findViolations(layers: Record<string, Layer> = LAYERS): Violation[] {
  const violations: Violation[] = [];
  for (const file of listFiles(SRC).sort()) {
    const from = layerOf(file);
    const allowed = allowedFrom(layers, from);
    for (const found of findImports(readFileSync(file, 'utf8'))) {
      if (!found.specifier.startsWith('.')) continue; // a package
      const target = resolve(dirname(file), found.specifier);
      const to = repoPath(target);
      const at = `${repoPath(file)}:${found.line}`;
      const key = `${repoPath(file)} → ${to}`;
      const add = (why: string) => violations.push({ at, from: repoPath(file), to, key, why });
      if (!isInside(target, SRC)) {
        if (file.endsWith('.test.ts') && isInside(target, SUPPORT)) continue;
        add(
          file.endsWith('.test.ts')
            ? 'a test beside the code may import from outside src/ only test/support/'
            : 'production code imports nothing outside src/ (test helpers live in test/support/)',
        );
        continue;
      }
      const toLayer = layerOf(target);
      if (toLayer === from) continue;
      if (!(from in layers)) {
        add(`src/${from}/ is not in the layer table: add it to LAYERS with the layers it may import and why`);
        continue;
      }
      if (allowed.has(toLayer)) continue;
      const may = [...allowed].sort().join(', ') || 'nothing';
      const kind = found.typeOnly ? ' (type-only imports count too)' : '';
      add(`${from} may import only ${may}, not ${toLayer}${kind}; ${from}: ${layers[from]?.why}`);
    }
  }
  return violations;
}

const describeViolations = (list: Violation[]) => list.map((v) => `  ${v.at} → ${v.to}: ${v.why}`).join('\n');

describe('layering of src/', () => {
  it('the table is complete and points one way (no layer reaches itself)', () => {
    const folders = readdirSync(SRC, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
    // `reputation` is being created on another branch; every folder that exists must be placed.
    const missing = folders.filter((folder) => !(folder in LAYERS));
    assert.deepEqual(missing, [], `folders missing from LAYERS: ${missing.join(', ')}`);
    for (const [name, layer] of Object.entries(LAYERS)) {
      for (const below of layer.mayImport) assert.ok(below in LAYERS, `${name} may import ${below}, not a layer`);
      assert.ok(!allowedFrom(LAYERS, name).has(name), `${name} can reach itself through the table: a cycle`);
      assert.ok(layer.why.length > 10, `${name} says why it sits where it does`);
    }
  });

  it('the intended shape holds: siblings apart, api low, cli and devnet on top', () => {
    const daemons = ['audit', 'client', 'provider'];
    for (const a of daemons)
      for (const b of daemons) if (a !== b) assert.ok(!allowedFrom(LAYERS, a).has(b), `${a} may import ${b}`);
    assert.deepEqual([...allowedFrom(LAYERS, 'api')].sort(), ['errors', 'log', 'packageVersion.ts']);
    for (const name of Object.keys(LAYERS)) {
      if (name === 'cli') continue;
      assert.ok(!allowedFrom(LAYERS, name).has('cli'), `${name} may import cli`);
      if (name !== 'devnet') assert.ok(!allowedFrom(LAYERS, name).has('devnet'), `${name} may import devnet`);
    }
  });

  it('every import in src/ points down the table', (t) => {
    const violations = findViolations();
    const known = new Set(KNOWN_VIOLATIONS);
    const unexpected = violations.filter((v) => !known.has(v.key));
    const seen = new Set(violations.map((v) => v.key));
    const stale = KNOWN_VIOLATIONS.filter((key) => !seen.has(key));
    const knownHits = violations.filter((v) => known.has(v.key));
    if (knownHits.length > 0)
      t.diagnostic(
        `${knownHits.length} known violations (KNOWN_VIOLATIONS), to be fixed:\n${describeViolations(knownHits)}`,
      );
    assert.equal(
      unexpected.length,
      0,
      `${unexpected.length} import(s) point the wrong way:\n${describeViolations(unexpected)}`,
    );
    assert.deepEqual(stale, [], 'KNOWN_VIOLATIONS lists imports that no longer occur: remove them');
  });
});
