/**
 * `bandex gov delegate|propose|vote|status|queue|execute`: token-holder governance. Proposals call
 * functions of the Bandex contracts through the timelock; votes count RBT delegated before a proposal's
 * snapshot.
 */
import { Command, InvalidArgumentError } from 'commander';
import {
  type AbiFunction,
  type Address,
  encodeFunctionData,
  type Hex,
  isAddress,
  type PublicClient,
  parseAbiItem,
} from 'viem';
import { bandexGovernorAbi } from '../../chain/abi/bandexGovernor.ts';
import { advanceProposal } from '../../chain/actions/advanceProposal.ts';
import { castVote, VOTE_SUPPORT } from '../../chain/actions/castVote.ts';
import { delegateVotes } from '../../chain/actions/delegateVotes.ts';
import { getVotes } from '../../chain/actions/getVotes.ts';
import { propose } from '../../chain/actions/propose.ts';
import { readProposalState } from '../../chain/actions/readProposalState.ts';
import { readProposalThreshold } from '../../chain/actions/readProposalThreshold.ts';
import { CONTRACT_NAMES, type Deployment } from '../../chain/deployment.ts';
import { formatRbt, parseAddress } from '../amounts.ts';
import { addAccountOptions, addChainOptions, type ChainFlags, openChain, openWallet } from '../chainContext.ts';
import { formatTime, NotAllowedNowError } from '../errors.ts';
import { reportProgress } from '../progress.ts';

/** OpenZeppelin's `IGovernor.ProposalState`, by value. */
export const PROPOSAL_STATES = [
  'pending',
  'active',
  'canceled',
  'defeated',
  'succeeded',
  'queued',
  'expired',
  'executed',
] as const;
export type ProposalState = (typeof PROPOSAL_STATES)[number];

export function govCommand(): Command {
  return new Command('gov')
    .description('governance: delegate votes, propose, vote, follow a proposal, queue and execute it')
    .addCommand(delegateCommand())
    .addCommand(proposeCommand())
    .addCommand(voteCommand())
    .addCommand(statusCommand())
    .addCommand(stepCommand('queue'))
    .addCommand(stepCommand('execute'))
    .addHelpText(
      'after',
      `
Votes are RBT delegated before a proposal's snapshot (delegate to yourself once). A proposal that
passes is queued in the timelock, then executed after the timelock delay.

Examples:
  $ bandex gov delegate
  $ bandex gov propose channels 'setFeeBps(uint256)' 50 --description 'Fee to 0.5 %'
  $ bandex gov vote 1234…5678 for --reason 'cheaper bandwidth'
  $ bandex gov status
  $ bandex gov queue 1234…5678 && bandex gov execute 1234…5678`,
    );
}

function parseProposalId(value: string): bigint {
  if (!/^(\d+|0x[0-9a-fA-F]{1,64})$/.test(value))
    throw new InvalidArgumentError(
      `"${value}" is not a proposal id: expected a decimal number (as \`gov status\` prints)`,
    );
  return BigInt(value);
}

function delegateCommand(): Command {
  return addAccountOptions(addChainOptions(new Command('delegate')))
    .description('delegate the wallet’s RBT votes (to itself by default) so they count in proposals')
    .argument('[to]', 'address to delegate to (default: the wallet itself)', parseAddress)
    .option('--json', 'print one JSON line')
    .addHelpText(
      'after',
      `
Examples:
  $ bandex gov delegate
  $ bandex gov delegate 0x90F79bf6EB2c4f870365E785982E1f101E93b906`,
    )
    .action(async (to: Address | undefined, flags: ChainFlags) => {
      const { client, wallet, account, deployment } = await openWallet(flags);
      const delegatee = to ?? account.address;
      const receipt = await delegateVotes(wallet, { deployment, delegatee, onProgress: reportProgress });
      const votes = await getVotes(client, { deployment, account: delegatee });
      const result = { delegate: delegatee, votes: formatRbt(votes), tx: receipt.transactionHash };
      if (flags.json) process.stdout.write(`${JSON.stringify(result)}\n`);
      else console.log(`Votes delegated to ${delegatee}; it now has ${result.votes} votes`);
    });
}

/** Resolves a contract name of the deployment (`channels`, `curve`, …) or an address. */
function resolveTarget(deployment: Deployment, target: string): Address {
  if ((CONTRACT_NAMES as readonly string[]).includes(target))
    return deployment.contracts[target as (typeof CONTRACT_NAMES)[number]];
  if (isAddress(target, { strict: false })) return target as Address;
  throw new NotAllowedNowError({
    reason: `"${target}" is neither a contract name nor an address`,
    hint: `use one of ${CONTRACT_NAMES.join(', ')}, or an 0x address`,
  });
}

/** Converts command-line strings to the argument types of `fn`. */
function encodeCall(signature: string, values: string[]): Hex {
  let fn: AbiFunction;
  try {
    fn = parseAbiItem(`function ${signature.replace(/^function\s+/, '')}`) as AbiFunction;
  } catch {
    throw new NotAllowedNowError({
      reason: `"${signature}" is not a function signature`,
      hint: "write it like 'setFeeBps(uint256)' (types only, quoted for the shell)",
    });
  }
  if (fn.inputs.length !== values.length)
    throw new NotAllowedNowError({
      reason: `${fn.name} takes ${fn.inputs.length} argument(s), got ${values.length}`,
      hint: `pass one value per parameter of ${signature}`,
    });
  const args = fn.inputs.map((input, i) => {
    const value = values[i] as string;
    const bad = () =>
      new NotAllowedNowError({
        reason: `argument ${i + 1} "${value}" is not a ${input.type}`,
        hint: `fix the value for ${signature}`,
      });
    if (input.type.endsWith(']') || input.type.startsWith('tuple')) {
      try {
        return JSON.parse(value);
      } catch {
        throw bad();
      }
    }
    if (/^u?int\d*$/.test(input.type)) {
      if (!/^-?\d+$/.test(value)) throw bad();
      return BigInt(value);
    }
    if (input.type === 'bool') {
      if (value !== 'true' && value !== 'false') throw bad();
      return value === 'true';
    }
    if (input.type === 'address' && !isAddress(value, { strict: false })) throw bad();
    return value;
  });
  return encodeFunctionData({ abi: [fn], functionName: fn.name, args });
}

function proposeCommand(): Command {
  return addAccountOptions(addChainOptions(new Command('propose')))
    .description('propose calling one function of a Bandex contract through the timelock')
    .argument('<target>', `contract name (${CONTRACT_NAMES.join(', ')}) or address`)
    .argument('<signature>', "function signature, e.g. 'setFeeBps(uint256)'")
    .argument('[args...]', 'the function’s arguments (numbers in base units, arrays as JSON)')
    .requiredOption('-d, --description <text>', 'what the proposal does and why (shown to voters)')
    .option('--json', 'print one JSON line: id, voteStart, voteEnd, tx')
    .addHelpText(
      'after',
      `
Examples:
  $ bandex gov propose channels 'setFeeBps(uint256)' 50 -d 'Protocol fee 0.5 %'
  $ bandex gov propose registry 'setMinStake(uint256)' 2000000000000000000000 -d 'Min stake 2000 RBT' --json`,
    )
    .action(async (target: string, signature: string, args: string[], flags: ChainFlags & { description: string }) => {
      const { client, wallet, account, deployment } = await openWallet(flags);
      const address = resolveTarget(deployment, target);
      const calldata = encodeCall(signature, args);
      const [threshold, votes] = await Promise.all([
        readProposalThreshold(client, { deployment }),
        getVotes(client, { deployment, account: account.address }),
      ]);
      if (votes < threshold)
        throw new NotAllowedNowError({
          reason: `proposing needs ${formatRbt(threshold)} votes; ${account.address} has ${formatRbt(votes)}`,
          hint: 'buy RBT and `bandex gov delegate` to yourself, then propose',
        });
      const { created, receipt } = await propose(wallet, {
        deployment,
        targets: [address],
        values: [0n],
        calldatas: [calldata],
        description: flags.description,
        onProgress: reportProgress,
      });
      if (!created)
        throw new NotAllowedNowError({ reason: 'the proposal event is missing', hint: 'check `bandex gov status`' });
      const result = {
        id: created.proposalId.toString(),
        voteStart: formatTime(created.voteStart),
        voteEnd: formatTime(created.voteEnd),
        tx: receipt.transactionHash,
      };
      if (flags.json) process.stdout.write(`${JSON.stringify(result)}\n`);
      else
        console.log(
          `Proposal ${result.id}\nvoting from ${result.voteStart} to ${result.voteEnd}: bandex gov vote ${result.id} for|against|abstain`,
        );
    });
}

type ProposalCreated = {
  proposalId: bigint;
  proposer: Address;
  targets: readonly Address[];
  values: readonly bigint[];
  calldatas: readonly Hex[];
  voteStart: bigint;
  voteEnd: bigint;
  description: string;
};

async function proposals(client: PublicClient, deployment: Deployment): Promise<ProposalCreated[]> {
  const logs = await client.getContractEvents({
    address: deployment.contracts.governor,
    abi: bandexGovernorAbi,
    eventName: 'ProposalCreated',
    fromBlock: BigInt(deployment.deploymentBlock),
  });
  return logs.map((log) => log.args as ProposalCreated);
}

async function findProposal(client: PublicClient, deployment: Deployment, id: bigint): Promise<ProposalCreated> {
  const found = (await proposals(client, deployment)).find((p) => p.proposalId === id);
  if (!found) throw new NotAllowedNowError({ reason: `no proposal ${id}`, hint: 'list them with `bandex gov status`' });
  return found;
}

export type ProposalStatus = {
  id: string;
  state: ProposalState;
  proposer: Address;
  description: string;
  votes: { for: string; against: string; abstain: string };
  quorum: string | null;
  voteStart: string;
  voteEnd: string;
  eta: string | null;
};

async function readStatus(client: PublicClient, deployment: Deployment, p: ProposalCreated): Promise<ProposalStatus> {
  const { state, votes, eta, quorum } = await readProposalState(client, {
    deployment,
    proposalId: p.proposalId,
    voteStart: p.voteStart,
  });
  return {
    id: p.proposalId.toString(),
    state: PROPOSAL_STATES[state] ?? 'pending',
    proposer: p.proposer,
    description: p.description,
    votes: { for: formatRbt(votes.for), against: formatRbt(votes.against), abstain: formatRbt(votes.abstain) },
    quorum: quorum === null ? null : formatRbt(quorum),
    voteStart: formatTime(p.voteStart),
    voteEnd: formatTime(p.voteEnd),
    eta: eta === 0n ? null : formatTime(eta),
  };
}

function voteCommand(): Command {
  return addAccountOptions(addChainOptions(new Command('vote')))
    .description('vote on a proposal: for, against or abstain')
    .argument('<id>', 'proposal id (as `gov status` prints it)', parseProposalId)
    .argument('<support>', 'for | against | abstain')
    .option('--reason <text>', 'a reason recorded with the vote', '')
    .option('--json', 'print one JSON line')
    .addHelpText(
      'after',
      `
Examples:
  $ bandex gov vote 4242…0931 for
  $ bandex gov vote 4242…0931 against --reason 'fee too low to fund audits'`,
    )
    .action(async (id: bigint, support: string, flags: ChainFlags & { reason: string }) => {
      if (!(support in VOTE_SUPPORT))
        throw new NotAllowedNowError({ reason: `"${support}" is not a vote`, hint: 'vote for, against or abstain' });
      const { client, wallet, account, deployment } = await openWallet(flags);
      const proposal = await findProposal(client, deployment, id);
      const status = await readStatus(client, deployment, proposal);
      if (status.state === 'pending')
        throw new NotAllowedNowError({
          reason: `voting on proposal ${id} starts at ${status.voteStart}`,
          hint: 'vote after that',
        });
      if (status.state !== 'active')
        throw new NotAllowedNowError({
          reason: `proposal ${id} is ${status.state}, not open for votes`,
          hint: 'see `bandex gov status ID`',
        });
      const weight = await getVotes(client, { deployment, account: account.address, timepoint: proposal.voteStart });
      if (weight === 0n)
        throw new NotAllowedNowError({
          reason: `${account.address} had no votes at the snapshot of proposal ${id}`,
          hint: 'votes count only if delegated before a proposal starts: run `bandex gov delegate` for the next one',
        });
      const receipt = await castVote(wallet, {
        deployment,
        proposalId: id,
        support: support as keyof typeof VOTE_SUPPORT,
        reason: flags.reason,
        onProgress: reportProgress,
      });
      const result = { id: id.toString(), support, weight: formatRbt(weight), tx: receipt.transactionHash };
      if (flags.json) process.stdout.write(`${JSON.stringify(result)}\n`);
      else console.log(`Voted ${support} on ${id} with ${result.weight} votes`);
    });
}

function statusCommand(): Command {
  return addChainOptions(new Command('status'))
    .description('every proposal with its state, or one proposal in detail')
    .argument('[id]', 'proposal id', parseProposalId)
    .option('--json', 'print JSON (an array without ID, an object with ID) on one line')
    .addHelpText(
      'after',
      `
States: pending → active → succeeded | defeated → queued → executed (or canceled, expired).

Examples:
  $ bandex gov status
  $ bandex gov status 4242…0931 --json`,
    )
    .action(async (id: bigint | undefined, flags: ChainFlags) => {
      const { client, deployment } = await openChain(flags);
      if (id !== undefined) {
        const status = await readStatus(client, deployment, await findProposal(client, deployment, id));
        if (flags.json) {
          process.stdout.write(`${JSON.stringify(status)}\n`);
          return;
        }
        console.log(
          [
            `proposal    ${status.id}`,
            `state       ${status.state}`,
            `description ${status.description}`,
            `proposer    ${status.proposer}`,
            `votes       for ${status.votes.for}, against ${status.votes.against}, abstain ${status.votes.abstain}`,
            `quorum      ${status.quorum ?? 'set at the snapshot'}`,
            `voting      ${status.voteStart} → ${status.voteEnd}`,
            ...(status.eta ? [`executable  from ${status.eta}`] : []),
          ].join('\n'),
        );
        return;
      }
      const all = await Promise.all(
        (await proposals(client, deployment)).map((p) => readStatus(client, deployment, p)),
      );
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(all)}\n`);
        return;
      }
      if (all.length === 0) console.log('No proposals yet; make one with `bandex gov propose`');
      for (const s of all)
        console.log(`${s.id}  ${s.state.padEnd(9)}  for ${s.votes.for} / against ${s.votes.against}  ${s.description}`);
    });
}

function stepCommand(step: 'queue' | 'execute'): Command {
  const next = { queue: 'succeeded', execute: 'queued' } as const;
  return addAccountOptions(addChainOptions(new Command(step)))
    .description(
      step === 'queue'
        ? 'queue a succeeded proposal in the timelock'
        : 'execute a queued proposal once the timelock delay is over',
    )
    .argument('<id>', 'proposal id', parseProposalId)
    .option('--json', 'print one JSON line')
    .addHelpText(
      'after',
      `
Examples:
  $ bandex gov ${step} 4242…0931`,
    )
    .action(async (id: bigint, flags: ChainFlags) => {
      const { client, wallet, deployment } = await openWallet(flags);
      const proposal = await findProposal(client, deployment, id);
      const status = await readStatus(client, deployment, proposal);
      if (status.state !== next[step])
        throw new NotAllowedNowError({
          reason: `proposal ${id} is ${status.state}; ${step} needs it ${next[step]}`,
          hint:
            status.state === 'active' ? `wait for the vote to end at ${status.voteEnd}` : 'see `bandex gov status ID`',
        });
      if (step === 'execute' && status.eta) {
        const now = (await client.getBlock()).timestamp;
        if (now < BigInt(Date.parse(status.eta) / 1000))
          throw new NotAllowedNowError({
            reason: `the timelock holds proposal ${id} until ${status.eta}`,
            hint: 'execute after that',
          });
      }
      const receipt = await advanceProposal(wallet, { deployment, step, proposal, onProgress: reportProgress });
      const after = await readStatus(client, deployment, proposal);
      const result = { id: id.toString(), state: after.state, eta: after.eta, tx: receipt.transactionHash };
      if (flags.json) process.stdout.write(`${JSON.stringify(result)}\n`);
      else
        console.log(
          `Proposal ${id} is ${after.state}${after.eta && step === 'queue' ? `; executable from ${after.eta}` : ''}`,
        );
    });
}
