/**
 * What to do about a contract's custom error, by the error's name: the `details` of a
 * `CallRevertedError`. Covers the errors a user can cause from the CLI or a daemon's
 * configuration; an error not listed gets a generic hint.
 */
export const REVERT_HINTS: Readonly<Record<string, string>> = {
  ERC20InsufficientBalance: 'the wallet holds too little; check with `bandex wallet show`',
  ERC20InsufficientAllowance: 'the allowance is too small; run the command again',
  SlippageExceeded: 'the price moved; run again, or allow more with --slippage',
  InsufficientStake: 'a provider must keep at least the minimum stake bonded (see `bandex wallet show`)',
  InsufficientBonded: 'you cannot unbond more than is bonded (see `bandex wallet show`)',
  NotRegistered: 'register first with `bandex stake AMOUNT --peer-id ID`',
  OfferUpdateTooSoon: 'a provider changes its offer at most once per epoch: try again in the next one',
  AlreadyRegistered: 'the wallet is already a provider; `bandex stake AMOUNT` adds stake',
  UnbondingNotReady: 'wait until the unbonding period is over, then run `bandex unstake --withdraw` again',
  NothingToWithdraw: 'nothing is unbonding; start with `bandex unstake AMOUNT`',
  ChannelNotFound: 'no open channel has that id; see `bandex channel list`',
  NotPayer: 'only the payer of a channel can close it',
  AlreadyClosing: 'the close has started; run `bandex channel settle ID` after the challenge period',
  NotClosing: 'start the close with `bandex channel close ID` first',
  ChallengePeriodActive: 'the challenge period is still running; settle after it ends',
  FaucetCoolingDown: 'the test-dollar faucet gives once an hour per account',
  GovernorInsufficientProposerVotes: 'you need more votes to propose: buy RBT and `bandex gov delegate`',
  GovernorUnexpectedProposalState: 'the proposal is not in the state this step needs; see `bandex gov status ID`',
  GovernorAlreadyCastVote: 'this account has already voted on the proposal',
  GovernorNonexistentProposal: 'no proposal has that id; see `bandex gov status`',
};

/** The hint when the error is unknown or has no entry: nothing was sent. */
export const DEFAULT_REVERT_HINT = 'nothing was sent; check the arguments and try again';
