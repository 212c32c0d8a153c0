import type { KnownBlock } from '@slack/types';
import { referenceOf } from '../../domain/charge-request.js';
import type { DeadLetter, OperationsSnapshot, QueueHealth, QueueName } from '../../persistence/queues.js';
import { button } from './approval-card.js';
import { escapeText } from './escape.js';
import { duration } from './report.js';

/** The buttons beside each dead letter; values are `queue:id` (identifiers only). */
export const DEAD_LETTER_ACTIONS = {
  retry: 'ops_dead_letter_retry',
  discard: 'ops_dead_letter_discard',
} as const;

export function deadLetterButtonValue(letter: Pick<DeadLetter, 'queue' | 'id'>): string {
  return `${letter.queue}:${letter.id}`;
}

export function parseDeadLetterButtonValue(value: string | undefined): { queue: QueueName; id: string } | undefined {
  const match = /^(outbox|inbox):(.{1,255})$/.exec(value ?? '');
  return match?.[1] && match[2] ? { queue: match[1] as QueueName, id: match[2] } : undefined;
}

/** Enough to act on; within Slack's 50 blocks and cumulative text limit whatever the errors say. */
export const MAX_LETTERS_SHOWN = 12;

const QUEUE_TITLE: Record<QueueName, string> = {
  outbox: 'Slack updates (outbox)',
  inbox: 'Stripe events (inbox)',
};

function healthField(queue: QueueName, health: QueueHealth): { type: 'mrkdwn'; text: string } {
  const oldest = health.depth > 0 ? duration(health.oldestAgeSeconds) : '—';
  return {
    type: 'mrkdwn',
    text: `*${QUEUE_TITLE[queue]}*\nwaiting ${health.depth} · oldest ${oldest} · dead ${health.dead}`,
  };
}

function deadLetterBlocks(letter: DeadLetter, now: Date): KnownBlock[] {
  const reference = letter.requestNumber === null ? 'no request' : referenceOf(letter.requestNumber);
  const what = letter.queue === 'outbox' ? `Slack ${letter.kind.replace(/_/g, ' ')}` : `Stripe ${letter.kind}`;
  const error = letter.lastError
    ? `\`${escapeText(letter.lastError.split('\n')[0] ?? '', 200)}\``
    : 'no error recorded';
  const age = duration((now.getTime() - letter.queuedAt.getTime()) / 1000);
  const id = letter.queue === 'inbox' ? ` ${escapeText(letter.id, 80)}` : '';
  return [
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `*${reference}* · ${escapeText(what, 100)}${id} · ${error} · ${letter.attempts} ${letter.attempts === 1 ? 'attempt' : 'attempts'} · queued ${age} ago`,
      },
    },
    {
      type: 'actions',
      elements: [
        button(DEAD_LETTER_ACTIONS.retry, 'Retry', deadLetterButtonValue(letter), 'primary'),
        {
          ...button(DEAD_LETTER_ACTIONS.discard, 'Discard', deadLetterButtonValue(letter), 'danger'),
          confirm: {
            title: { type: 'plain_text', text: 'Discard this item?' },
            text: {
              type: 'mrkdwn',
              text: `It will not be tried again. ${reference} keeps a record of it on its audit trail.`,
            },
            confirm: { type: 'plain_text', text: 'Discard' },
            deny: { type: 'plain_text', text: 'Keep' },
          },
        },
      ],
    },
  ];
}

/**
 * `/charges ops`: each queue's health, then every dead letter with the request it concerns, the
 * service's error and Retry / Discard. Lists that do not fit say how many were left out.
 */
export function operationsBlocks(
  snapshot: OperationsSnapshot,
  deadLetters: readonly DeadLetter[],
  now: Date,
  notice?: string,
): { text: string; blocks: KnownBlock[] } {
  const dead = snapshot.outbox.dead + snapshot.inbox.dead;
  const head: KnownBlock[] = [
    // The notice names a dead letter (a Stripe event id, a reference): escaped like any outside text.
    ...(notice ? [{ type: 'section', text: { type: 'mrkdwn', text: escapeText(notice) } } as KnownBlock] : []),
    { type: 'header', text: { type: 'plain_text', text: 'Queues' } },
    { type: 'section', fields: [healthField('outbox', snapshot.outbox), healthField('inbox', snapshot.inbox)] },
  ];
  const summary = dead === 0 ? ':white_check_mark: No dead letters.' : `*Dead letters (${dead})*`;
  head.push({ type: 'section', text: { type: 'mrkdwn', text: summary } });
  // Two blocks per letter (text, buttons); a bounded number keeps the message under Slack's block
  // and cumulative text limits, and the rest is counted rather than cut in half.
  const shown = deadLetters.slice(0, MAX_LETTERS_SHOWN);
  const hidden = dead - shown.length;
  const blocks: KnownBlock[] = [...head, ...shown.flatMap((letter) => deadLetterBlocks(letter, now))];
  if (hidden > 0) {
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `…and ${hidden} more; act on these to see the rest.` }],
    });
  }
  return {
    text: `Queues: ${snapshot.outbox.depth} Slack updates and ${snapshot.inbox.depth} Stripe events waiting; ${dead} dead`,
    blocks,
  };
}
