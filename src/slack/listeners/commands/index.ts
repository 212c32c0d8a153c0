import type { App, RespondFn } from '@slack/bolt';
import type { Logger } from '../../../logger.js';
import { type ProposeDeps, proposeCharge } from '../../../use-cases/propose-charge.js';
import { escapeText } from '../../blocks/escape.js';
import { helpMessage } from '../../blocks/help.js';
import { NEW_CHARGE_USAGE, parseNewCharge } from './parse-new-charge.js';

export interface CommandDeps {
  readonly proposals: ProposeDeps;
  readonly logger: Logger;
}

/** `/charges <subcommand> …`: acknowledged at once, answered ephemerally through response_url. */
export function registerCommands(app: App, deps: CommandDeps): void {
  app.command('/charges', async ({ command, ack, respond }) => {
    await ack();
    const [word = '', ...rest] = command.text.trim().split(/\s+/);
    const args = command.text.trim().slice(word.length).trim();
    const reply = (text: string) => respond({ response_type: 'ephemeral', text });
    switch (word.toLowerCase()) {
      case '':
      case 'help':
        await respond({ response_type: 'ephemeral', ...helpMessage() });
        return;
      case 'new':
        await newCharge(
          deps,
          { teamId: command.team_id, channelId: command.channel_id, userId: command.user_id },
          args,
          reply,
        );
        return;
      default:
        await reply(`I don't know \`${escapeText(word, 30)}\`${rest.length ? ' …' : ''}. Try \`/charges help\`.`);
    }
  });
}

async function newCharge(
  deps: CommandDeps,
  where: { teamId: string; channelId: string; userId: string },
  args: string,
  reply: (text: string) => ReturnType<RespondFn>,
): Promise<void> {
  const parsed = parseNewCharge(args);
  if (!parsed.ok) {
    await reply(parsed.problem);
    return;
  }
  const result = await proposeCharge(
    deps.proposals,
    { source: 'command', teamId: where.teamId, channelId: where.channelId, threadTs: null, requesterId: where.userId },
    parsed.input,
  );
  if (!result.ok) {
    await reply(
      `Nothing was created: ${result.problems.map((p) => escapeText(p, 300)).join('; ')}\nUsage: \`${NEW_CHARGE_USAGE}\``,
    );
    return;
  }
  await reply(
    `Proposed ${result.request.reference}. The approval card is being posted in this channel; an approver must approve it.`,
  );
}
