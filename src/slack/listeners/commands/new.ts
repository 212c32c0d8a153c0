import { proposeCharge } from '../../../use-cases/propose-charge.js';
import { refusalText } from '../../refusals.js';
import { NEW_CHARGE_USAGE, parseNewCharge } from './parse-new-charge.js';
import type { Subcommand } from './subcommand.js';

export const newCharge: Subcommand = {
  name: 'new',
  usage: NEW_CHARGE_USAGE,
  what: 'Propose a charge without the AI agent, e.g. `/charges new 1,200 USD Acme Corp — Q3 workshop`. An approver must approve it.',
  audience: 'everyone',
  async run(deps, run) {
    const parsed = parseNewCharge(run.args);
    if (!parsed.ok) return run.reply(refusalText(parsed));
    const result = await proposeCharge(
      deps.useCases,
      { source: 'command', teamId: run.teamId, channelId: run.channelId, threadTs: null, requesterId: run.userId },
      parsed.input,
    );
    if (!result.ok) return run.reply(`Nothing was created: ${refusalText(result)}\nUsage: \`${NEW_CHARGE_USAGE}\``);
    return run.reply(
      `Proposed ${result.request.reference}. The approval card is being posted in this channel; an approver must approve it.`,
    );
  },
};
