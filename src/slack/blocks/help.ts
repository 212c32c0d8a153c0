import type { KnownBlock } from '@slack/types';
import { SLACK_LIMITS } from '../limits.js';
import { escapeText, fitMrkdwn, joinLines } from './escape.js';

/** One subcommand as `/charges help` lists it. */
export interface HelpEntry {
  readonly usage: string;
  readonly what: string;
}

/** `/charges help`, from the same table that dispatches the subcommands. */
export function helpMessage(entries: readonly HelpEntry[]): { text: string; blocks: KnownBlock[] } {
  return {
    text: 'Countersign: ask for a charge, finance approves, a Stripe payment link follows.',
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: '*Countersign* turns requests for money into approved Stripe payment links.\nMention me in a channel (for example _@Countersign charge Acme Corp $1,200 for the Q3 workshop_) or send me a direct message; I propose the charge and a finance approver approves it before any link exists.',
        },
      },
      { type: 'divider' },
      {
        type: 'section',
        // Escaped so `<amount>` shows as written instead of being read as a Slack link.
        text: {
          type: 'mrkdwn',
          text: joinLines(
            entries.map((e) => `\`${escapeText(e.usage, 200)}\`\n${fitMrkdwn(e.what, 600)}`),
            SLACK_LIMITS.section.textMaxChars,
            (hidden) => `…and ${hidden} more.`,
            { separator: '\n\n' },
          ),
        },
      },
    ],
  };
}
