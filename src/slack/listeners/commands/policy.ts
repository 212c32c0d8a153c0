import { dayAndMonthOf } from '../../../domain/periods.js';
import { channelBudgetUse } from '../../../persistence/budget-usage.js';
import { activeDelegations } from '../../../use-cases/delegate-approval.js';
import { policyBlocks } from '../../blocks/policy.js';
import type { Subcommand } from './subcommand.js';

export const policy: Subcommand = {
  name: 'policy',
  usage: '/charges policy',
  what: 'The spending rules in force, how much of each channel budget is used this month, and who approves for whom.',
  audience: 'everyone',
  async run(deps, run) {
    const { db, policy: settings, clock } = deps.useCases;
    const month = dayAndMonthOf(clock.now(), settings.timezone).month;
    const [use, delegations] = await Promise.all([channelBudgetUse(db, month), activeDelegations(deps.useCases)]);
    return run.reply(policyBlocks(settings.rules, use, settings.timezone, delegations));
  },
};
