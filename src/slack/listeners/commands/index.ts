import type { App } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { mayAdminister } from '../../../domain/authorization.js';
import { parseReference } from '../../../domain/charge-request.js';
import { dayAndMonthOf, parsePeriod } from '../../../domain/periods.js';
import type { Logger } from '../../../logger.js';
import { listAudit } from '../../../persistence/audit.js';
import { channelBudgetUse } from '../../../persistence/budget-usage.js';
import { findAwaitingApprover, findChargeRequestByNumber } from '../../../persistence/charge-requests.js';
import type { Dimension } from '../../../persistence/reports.js';
import type { ChargeDeps } from '../../../use-cases/charge-deps.js';
import { exportRequests } from '../../../use-cases/export-requests.js';
import { type ProposeDeps, proposeCharge } from '../../../use-cases/propose-charge.js';
import type { ReconcileSummary } from '../../../use-cases/reconcile-payments.js';
import { buildUsageReport, type ModelPrices } from '../../../use-cases/usage-report.js';
import { auditBlocks, pendingBlocks } from '../../blocks/admin.js';
import { escapeText } from '../../blocks/escape.js';
import { helpMessage } from '../../blocks/help.js';
import { budgetLines, policyBlocks } from '../../blocks/policy.js';
import { reportBlocks } from '../../blocks/report.js';
import { NEW_CHARGE_USAGE, parseNewCharge } from './parse-new-charge.js';

export interface CommandDeps {
  readonly proposals: ProposeDeps;
  readonly charges: ChargeDeps;
  readonly admin: {
    readonly adminUserIds: readonly string[];
    /** Undefined when Stripe is not configured. */
    readonly reconcile: (() => Promise<ReconcileSummary>) | undefined;
    readonly timezone: string;
    readonly prices: ModelPrices;
  };
  readonly logger: Logger;
}

interface Invocation {
  readonly teamId: string;
  readonly channelId: string;
  readonly userId: string;
  /** Everything after the subcommand word. */
  readonly args: string;
  readonly client: WebClient;
  /** An ephemeral answer to whoever ran the command. */
  readonly reply: (message: string | { text: string; blocks?: unknown[] }) => Promise<unknown>;
}

type Subcommand = (deps: CommandDeps, run: Invocation) => Promise<unknown>;

/** Admin subcommands refuse everyone else, politely, before doing anything. */
const adminOnly =
  (subcommand: Subcommand): Subcommand =>
  (deps, run) => {
    const allowed = mayAdminister(deps.admin.adminUserIds, run.userId);
    return allowed.ok ? subcommand(deps, run) : run.reply(allowed.reason);
  };

const DIMENSIONS: readonly Dimension[] = ['requester', 'channel', 'approver', 'status'];

const SUBCOMMANDS: Record<string, Subcommand> = {
  help: (_deps, run) => run.reply(helpMessage()),

  async new(deps, run) {
    const parsed = parseNewCharge(run.args);
    if (!parsed.ok) return run.reply(parsed.problem);
    const result = await proposeCharge(
      deps.proposals,
      { source: 'command', teamId: run.teamId, channelId: run.channelId, threadTs: null, requesterId: run.userId },
      parsed.input,
    );
    if (!result.ok) {
      const problems = result.problems.map((p) => escapeText(p, 300)).join('; ');
      return run.reply(`Nothing was created: ${problems}\nUsage: \`${NEW_CHARGE_USAGE}\``);
    }
    return run.reply(
      `Proposed ${result.request.reference}. The approval card is being posted in this channel; an approver must approve it.`,
    );
  },

  report: adminOnly(async (deps, run) => {
    const words = run.args.toLowerCase().split(/\s+/).filter(Boolean);
    const byIndex = words.indexOf('by');
    const by = byIndex >= 0 ? words[byIndex + 1] : undefined;
    if (byIndex >= 0 && !DIMENSIONS.includes(by as Dimension)) {
      return run.reply(`Group by one of: ${DIMENSIONS.join(', ')} (for example \`/charges report 30d by channel\`).`);
    }
    const periodWords = byIndex >= 0 ? words.slice(0, byIndex) : words;
    const period = parsePeriod(periodWords[0], deps.admin.timezone);
    if (!period.ok) return run.reply(period.message);
    const manager = deps.charges.dataSource.manager;
    const report = await buildUsageReport(manager, period.period, deps.admin.prices, by as Dimension | undefined);
    const { policy } = deps.charges.policy;
    const budgets =
      policy.channelMonthlyBudget.size > 0
        ? budgetLines(policy, await channelBudgetUse(manager, dayAndMonthOf(new Date(), deps.admin.timezone).month))
        : [];
    return run.reply(reportBlocks(report, budgets));
  }),

  export: adminOnly(async (deps, run) => {
    const period = parsePeriod(run.args.split(/\s+/)[0] || undefined, deps.admin.timezone);
    if (!period.ok) return run.reply(period.message);
    await run.reply(`:hourglass_flowing_sand: Preparing the CSV for ${period.period.label}…`);
    const { csv, count, truncated } = await exportRequests(deps.charges.dataSource, period.period);
    const dm = await run.client.conversations.open({ users: run.userId });
    const channel = dm.channel?.id;
    if (!channel) return run.reply('I could not open a direct message with you to send the file.');
    const filename = `countersign-${period.period.start.toISOString().slice(0, 10)}-to-${period.period.end.toISOString().slice(0, 10)}.csv`;
    await run.client.filesUploadV2({
      channel_id: channel,
      filename,
      title: filename,
      content: csv,
      initial_comment: `${count} charge requests, ${period.period.label}.${truncated ? ' The period holds more: narrow it to get the rest.' : ''}`,
    });
    return run.reply(`:white_check_mark: Sent ${filename} (${count} rows) to your direct messages with me.`);
  }),

  audit: adminOnly(async (deps, run) => {
    const number = parseReference(run.args);
    const request = number === undefined ? undefined : await findChargeRequestByNumber(deps.charges.dataSource, number);
    if (!request)
      return run.reply(`No request ${escapeText(run.args || '(none given)', 30)}. Usage: \`/charges audit CR-1042\``);
    return run.reply(auditBlocks(request, await listAudit(deps.charges.dataSource.manager, request.id)));
  }),

  async pending(deps, run) {
    const isAdmin = mayAdminister(deps.admin.adminUserIds, run.userId).ok;
    if (!isAdmin && !(await deps.charges.approvers.isApprover(run.userId))) {
      return run.reply('The pending queue is for finance approvers and admins.');
    }
    const requests = await findAwaitingApprover(deps.charges.dataSource, 25);
    const permalinks = new Map<string, string>();
    await Promise.all(
      requests.map(async (r) => {
        const ts = r.threadTs ?? r.cardTs;
        if (!ts) return;
        const link = await run.client.chat
          .getPermalink({ channel: r.channelId, message_ts: ts })
          .catch(() => undefined);
        if (link?.permalink) permalinks.set(r.id, link.permalink);
      }),
    );
    return run.reply(pendingBlocks(requests, permalinks, new Date()));
  },

  async policy(deps, run) {
    const month = dayAndMonthOf(new Date(), deps.admin.timezone).month;
    const use = await channelBudgetUse(deps.charges.dataSource.manager, month);
    return run.reply(policyBlocks(deps.charges.policy.policy, use, deps.admin.timezone));
  },

  reconcile: adminOnly(async (deps, run) => {
    if (!deps.admin.reconcile)
      return run.reply('Stripe is not configured (STRIPE_SECRET_KEY), so there is nothing to reconcile.');
    await run.reply(':mag: Checking open payment links against Stripe…');
    const { checked, recorded } = await deps.admin.reconcile();
    return run.reply(
      `Checked ${checked} open payment ${checked === 1 ? 'link' : 'links'}; recorded ${recorded} ${recorded === 1 ? 'payment' : 'payments'} that no webhook had brought.`,
    );
  }),
};

/** `/charges <subcommand> …`: acknowledged at once, answered ephemerally through response_url. */
export function registerCommands(app: App, deps: CommandDeps): void {
  app.command('/charges', async ({ command, ack, respond, client }) => {
    await ack();
    const text = command.text.trim();
    const word = (text.split(/\s+/)[0] ?? '').toLowerCase() || 'help';
    const run: Invocation = {
      teamId: command.team_id,
      channelId: command.channel_id,
      userId: command.user_id,
      args: text.slice(word.length).trim(),
      client,
      reply: (message) =>
        respond({
          response_type: 'ephemeral',
          ...(typeof message === 'string' ? { text: message } : message),
        } as Parameters<typeof respond>[0]),
    };
    const subcommand = Object.hasOwn(SUBCOMMANDS, word) ? SUBCOMMANDS[word] : undefined;
    if (!subcommand) {
      await run.reply(`I don't know \`${escapeText(word, 30)}\`. Try \`/charges help\`.`);
      return;
    }
    try {
      await subcommand(deps, run);
    } catch (error) {
      deps.logger.error({ err: error, subcommand: word }, '/charges failed');
      await run.reply('Something went wrong on our side; nothing was changed. Please try again in a minute.');
    }
  });
}
