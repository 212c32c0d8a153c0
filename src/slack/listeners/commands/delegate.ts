import { delegationsOf, startDelegation, stopDelegation } from '../../../use-cases/delegate-approval.js';
import { delegationReason as because, untilText } from '../../blocks/delegations.js';
import { mention } from '../../blocks/escape.js';
import { refusalText } from '../../refusals.js';
import { DELEGATE_USAGE, parseDelegate } from './parse-delegate.js';
import type { Subcommand } from './subcommand.js';

export const delegate: Subcommand = {
  name: 'delegate',
  usage: `${DELEGATE_USAGE} · /charges delegate off · /charges delegate`,
  what: 'Approvers: let a colleague approve for you while you are away, until the end of that day; `off` ends it, alone it shows it. They can never approve their own requests.',
  audience: 'everyone',
  async run(deps, run) {
    const zone = deps.admin.timezone;
    const parsed = parseDelegate(run.args);
    if (!parsed.ok) return run.reply(refusalText(parsed));

    if (parsed.command.kind === 'show') {
      const { given, held } = await delegationsOf(deps.useCases, run.userId);
      const lines = [
        given
          ? `You have handed your approval right to ${mention(given.delegateId)} ${untilText(given, zone)}${because(given)}. \`/charges delegate off\` ends it.`
          : `You have not delegated your approval right. \`${DELEGATE_USAGE}\` does.`,
        ...(held ? [`You stand in for ${mention(held.delegatorId)} ${untilText(held, zone)}${because(held)}.`] : []),
      ];
      return run.reply(lines.join('\n'));
    }

    if (parsed.command.kind === 'off') {
      const stopped = await stopDelegation(deps.useCases, run.userId);
      if (!stopped.ok) return run.reply(refusalText(stopped));
      return run.reply(
        `:white_check_mark: Your delegation to ${mention(stopped.ended.delegateId)} is off: they can no longer approve for you.`,
      );
    }

    const { delegateId, until, reason } = parsed.command;
    const started = await startDelegation(deps.useCases, {
      delegatorId: run.userId,
      delegateId,
      until,
      reason,
      botUserId: run.botUserId,
    });
    if (!started.ok) return run.reply(`Nothing was changed: ${refusalText(started)}`);
    const { delegation, replaced } = started;
    const window = untilText(delegation, zone);
    // The delegate learns it from us, not by surprise on a card; a failed DM changes nothing.
    await run.client.chat
      .postMessage({
        channel: delegateId,
        text: `:handshake: ${mention(run.userId)} asked you to approve charges for them ${window}${because(delegation)}. You will find what waits in my App Home; you can never approve your own requests.`,
      })
      .catch((error: unknown) => deps.logger.warn({ err: error }, 'could not tell the delegate'));
    return run.reply(
      [
        `:handshake: ${mention(delegateId)} may approve and reject charges for you ${window}, never their own requests. Cards will say "approved by ${mention(delegateId)} for ${mention(run.userId)}". \`/charges delegate off\` ends it sooner.`,
        ...(replaced ? [`This replaces your delegation to ${mention(replaced.delegateId)}.`] : []),
      ].join('\n'),
    );
  },
};
