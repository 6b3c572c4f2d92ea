/**
 * The embedded chain end to end: start anvil, deploy every contract through the deterministic
 * deployer, read the contracts back, check that no externally-owned admin remains, stop with no
 * process left.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createPublicClient, http, keccak256, stringToHex } from 'viem';
import { bandexTimelockAbi } from '../../src/chain/abi/bandexTimelock.ts';
import { bondingCurveAbi } from '../../src/chain/abi/bondingCurve.ts';
import { paymentChannelsAbi } from '../../src/chain/abi/paymentChannels.ts';
import { providerRegistryAbi } from '../../src/chain/abi/providerRegistry.ts';
import { readDeployment } from '../../src/chain/deployment.ts';
import { devnetParameters } from '../../src/chain/deployPresets.ts';
import { startEmbeddedChain } from '../../src/chain/startEmbeddedChain.ts';
import { isRunning } from '../support/processes.ts';

test('embedded chain: deploy, read back, no EOA admin, stop cleanly', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bandex-chain-'));
  const chain = await startEmbeddedChain({ port: 0, deploymentsDir: dir });
  try {
    const deployment = readDeployment(chain.deploymentFile);
    assert.equal(deployment.chainId, 31337);
    assert.deepEqual(deployment.contracts, chain.deployment.contracts);
    const client = createPublicClient({ transport: http(chain.anvil.rpcUrl) });
    const { curve, token, registry, channels, timelock, governor } = deployment.contracts;

    assert.equal(await client.readContract({ address: curve, abi: bondingCurveAbi, functionName: 'token' }), token);
    assert.equal(
      await client.readContract({ address: curve, abi: bondingCurveAbi, functionName: 'reserveRatioPpm' }),
      devnetParameters.reserveRatioPpm,
    );
    assert.equal(
      await client.readContract({ address: channels, abi: paymentChannelsAbi, functionName: 'feeBps' }),
      devnetParameters.feeBps,
    );
    assert.equal(
      await client.readContract({ address: registry, abi: providerRegistryAbi, functionName: 'governance' }),
      timelock,
    );

    const role = (name: string) => keccak256(stringToHex(name));
    const hasRole = (r: `0x${string}`, account: `0x${string}`) =>
      client.readContract({
        address: timelock,
        abi: bandexTimelockAbi,
        functionName: 'hasRole',
        args: [r, account],
      });
    assert.equal(await hasRole(`0x${'00'.repeat(32)}`, deployment.deployer), false, 'deployer renounced admin');
    assert.equal(await hasRole(role('PROPOSER_ROLE'), governor), true);
    assert.equal(await hasRole(role('PROPOSER_ROLE'), deployment.deployer), false);
  } finally {
    await chain.stop();
  }
  assert.equal(isRunning(chain.anvil.pid), false);
});
