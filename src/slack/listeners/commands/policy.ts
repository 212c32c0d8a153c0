import { dayAndMonthOf } from '../../../domain/periods.js';
import { channelBudgetUse } from '../../../persistence/budget-usage.js';
import { policyBlocks } from '../../blocks/policy.js';
import type { Subcommand } from './subcommand.js';

export const policy: Subcommand = {
  name: 'policy',
  usage: '/charges policy',
  what: 'The spending rules in force and how much of each channel budget is used this month.',
  audience: 'everyone',
  async run(deps, run) {
    const { db, policy: settings, clock } = deps.useCases;
    const month = dayAndMonthOf(clock.now(), settings.timezone).month;
    return run.reply(policyBlocks(settings.rules, await channelBudgetUse(db, month), settings.timezone));
  },
};
