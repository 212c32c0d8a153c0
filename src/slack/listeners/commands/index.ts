import type { App } from '@slack/bolt';
import { mayAdminister } from '../../../domain/authorization.js';
import type { Logger } from '../../../logger.js';
import { type ProposeDeps, proposeCharge } from '../../../use-cases/propose-charge.js';
import type { ReconcileSummary } from '../../../use-cases/reconcile-payments.js';
import { escapeText } from '../../blocks/escape.js';
import { helpMessage } from '../../blocks/help.js';
import { NEW_CHARGE_USAGE, parseNewCharge } from './parse-new-charge.js';

export interface CommandDeps {
  readonly proposals: ProposeDeps;
  readonly admin: {
    readonly adminUserIds: readonly string[];
    /** Undefined when Stripe is not configured. */
    readonly reconcile: (() => Promise<ReconcileSummary>) | undefined;
  };
  readonly logger: Logger;
}

interface Invocation {
  readonly teamId: string;
  readonly channelId: string;
  readonly userId: string;
  /** Everything after the subcommand word. */
  readonly args: string;
  /** An ephemeral answer to whoever ran the command. */
  readonly reply: (message: string | { text: string; blocks?: unknown[] }) => Promise<unknown>;
}

type Subcommand = (deps: CommandDeps, run: Invocation) => Promise<unknown>;

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

  async reconcile(deps, run) {
    const allowed = mayAdminister(deps.admin.adminUserIds, run.userId);
    if (!allowed.ok) return run.reply(allowed.reason);
    if (!deps.admin.reconcile)
      return run.reply('Stripe is not configured (STRIPE_SECRET_KEY), so there is nothing to reconcile.');
    await run.reply(':mag: Checking open payment links against Stripe…');
    const { checked, recorded } = await deps.admin.reconcile();
    return run.reply(
      `Checked ${checked} open payment ${checked === 1 ? 'link' : 'links'}; recorded ${recorded} ${recorded === 1 ? 'payment' : 'payments'} that no webhook had brought.`,
    );
  },
};

/** `/charges <subcommand> …`: acknowledged at once, answered ephemerally through response_url. */
export function registerCommands(app: App, deps: CommandDeps): void {
  app.command('/charges', async ({ command, ack, respond }) => {
    await ack();
    const text = command.text.trim();
    const word = (text.split(/\s+/)[0] ?? '').toLowerCase() || 'help';
    const run: Invocation = {
      teamId: command.team_id,
      channelId: command.channel_id,
      userId: command.user_id,
      args: text.slice(word.length).trim(),
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
