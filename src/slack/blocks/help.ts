import type { KnownBlock } from '@slack/types';
import { PERIOD_HELP } from '../../domain/periods.js';
import { NEW_CHARGE_USAGE } from '../listeners/commands/parse-new-charge.js';

/** One line per subcommand; the single source for `/charges help`. */
export const SUBCOMMANDS: readonly { usage: string; what: string }[] = [
  { usage: '/charges help', what: 'This list.' },
  {
    usage: NEW_CHARGE_USAGE,
    what: 'Propose a charge without the AI agent, e.g. `/charges new 1,200 USD Acme Corp — Q3 workshop`. An approver must approve it.',
  },
  {
    usage: '/charges policy',
    what: 'The spending rules in force and how much of each channel budget is used this month.',
  },
  {
    usage: '/charges pending',
    what: 'Approvers and admins: what waits for approval, oldest first, with links to the threads.',
  },
  {
    usage: '/charges report [period] [by requester|channel|approver|status]',
    what: `Admins: requests, approvals, payments, turnaround and AI cost per currency. Periods: ${PERIOD_HELP}.`,
  },
  { usage: '/charges export [period]', what: 'Admins: every request of the period as a CSV file, sent to your DM.' },
  {
    usage: '/charges audit <reference>',
    what: 'Admins: the full audit trail of one request, e.g. `/charges audit CR-1042`.',
  },
  {
    usage: '/charges reconcile',
    what: 'Admins: ask Stripe about every open payment link now and record payments whose webhook never arrived.',
  },
];

export function helpMessage(): { text: string; blocks: KnownBlock[] } {
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
        text: { type: 'mrkdwn', text: SUBCOMMANDS.map((s) => `\`${s.usage}\`\n${s.what}`).join('\n\n') },
      },
    ],
  };
}
