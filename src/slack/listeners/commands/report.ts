import { dayAndMonthOf, PERIOD_HELP, parsePeriod } from '../../../domain/periods.js';
import { channelBudgetUse } from '../../../persistence/budget-usage.js';
import { DIMENSIONS, type Dimension } from '../../../persistence/reports.js';
import { buildUsageReport } from '../../../use-cases/usage-report.js';
import { budgetLines } from '../../blocks/policy.js';
import { reportBlocks } from '../../blocks/report.js';
import { refusalText } from '../../refusals.js';
import type { Subcommand } from './subcommand.js';

export const report: Subcommand = {
  name: 'report',
  usage: '/charges report [period] [by requester|channel|approver|status]',
  what: `Admins: requests, approvals, payments, turnaround and AI cost per currency. Periods: ${PERIOD_HELP}.`,
  audience: 'admins',
  async run(deps, run) {
    const words = run.args.toLowerCase().split(/\s+/).filter(Boolean);
    const byIndex = words.indexOf('by');
    const by = byIndex >= 0 ? words[byIndex + 1] : undefined;
    if (byIndex >= 0 && !DIMENSIONS.includes(by as Dimension)) {
      return run.reply(`Group by one of: ${DIMENSIONS.join(', ')} (for example \`/charges report 30d by channel\`).`);
    }
    const periodWords = byIndex >= 0 ? words.slice(0, byIndex) : words;
    const { timezone } = deps.admin;
    const now = deps.useCases.clock.now();
    const period = parsePeriod(periodWords[0], timezone, now);
    if (!period.ok) return run.reply(refusalText(period));
    const { db, policy } = deps.useCases;
    const usage = await buildUsageReport(db, period.period, deps.admin.prices, by as Dimension | undefined);
    const budgets =
      policy.rules.channelMonthlyBudget.size > 0
        ? budgetLines(policy.rules, await channelBudgetUse(db, dayAndMonthOf(now, timezone).month))
        : [];
    return run.reply(reportBlocks(usage, budgets));
  },
};
