import type { App } from '@slack/bolt';
import { mayAdminister } from '../../../domain/authorization.js';
import { escapeText } from '../../blocks/escape.js';
import { helpMessage } from '../../blocks/help.js';
import type { SlackDeps } from '../../deps.js';
import { refusalText, SOMETHING_WENT_WRONG } from '../../refusals.js';
import { audit } from './audit.js';
import { delegate } from './delegate.js';
import { exportCsv } from './export.js';
import { mine } from './mine.js';
import { newCharge } from './new.js';
import { ops } from './ops.js';
import { pending } from './pending.js';
import { policy } from './policy.js';
import { reconcile } from './reconcile.js';
import { report } from './report.js';
import type { Invocation, Subcommand } from './subcommand.js';

const help: Subcommand = {
  name: 'help',
  usage: '/charges help',
  what: 'This list.',
  audience: 'everyone',
  run: (_deps, run) => run.reply(helpMessage(SUBCOMMANDS)),
};

/** Every subcommand, in the order help lists them: the one table for dispatch and for help. */
export const SUBCOMMANDS: readonly Subcommand[] = [
  help,
  newCharge,
  mine,
  pending,
  delegate,
  policy,
  report,
  exportCsv,
  audit,
  reconcile,
  ops,
];

const BY_NAME = new Map(SUBCOMMANDS.map((s) => [s.name, s]));

/** `/charges <subcommand> …`: acknowledged at once, answered ephemerally through response_url. */
export function registerCommands(app: App, deps: SlackDeps): void {
  app.command('/charges', async ({ command, ack, respond, client, context }) => {
    await ack();
    const text = command.text.trim();
    const word = (text.split(/\s+/)[0] ?? '').toLowerCase() || 'help';
    const run: Invocation = {
      teamId: command.team_id,
      channelId: command.channel_id,
      userId: command.user_id,
      botUserId: context.botUserId,
      args: text.slice(word.length).trim(),
      client,
      reply: (message) =>
        respond({
          response_type: 'ephemeral',
          ...(typeof message === 'string' ? { text: message } : message),
        } as Parameters<typeof respond>[0]),
    };
    const subcommand = BY_NAME.get(word);
    if (!subcommand) {
      await run.reply(`I don't know \`${escapeText(word, 30)}\`. Try \`/charges help\`.`);
      return;
    }
    try {
      if (subcommand.audience === 'admins') {
        const allowed = mayAdminister(deps.admin.adminUserIds, run.userId);
        if (!allowed.ok) return void (await run.reply(refusalText(allowed)));
      }
      await subcommand.run(deps, run);
    } catch (error) {
      deps.logger.error({ err: error, subcommand: word }, '/charges failed');
      await run.reply(SOMETHING_WENT_WRONG);
    }
  });
}
