import type { KnownBlock } from '@slack/types';
import { type ChargeRequest, moneyOf } from '../../domain/charge-request.js';
import { describeStatus } from '../../domain/charge-status.js';
import { formatMoney } from '../../domain/money.js';
import type { AuditEvent } from '../../persistence/audit.js';
import { escapeText, mention } from './escape.js';

const amount = (r: ChargeRequest) => formatMoney(moneyOf(r));
const who = (actor: string) => (/^[UW][A-Z0-9]+$/.test(actor) ? mention(actor) : `_${escapeText(actor, 20)}_`);

/** `/charges audit CR-1042`: the whole trail, oldest first. */
export function auditBlocks(
  request: ChargeRequest,
  events: readonly AuditEvent[],
): { text: string; blocks: KnownBlock[] } {
  const lines = events.map((e) => {
    const move = e.fromStatus === e.toStatus || !e.fromStatus ? (e.toStatus ?? '') : `${e.fromStatus} → ${e.toStatus}`;
    const details = Object.keys(e.details).length ? ` · ${escapeText(JSON.stringify(e.details), 300)}` : '';
    return `\`${e.createdAt.toISOString().replace('T', ' ').slice(0, 19)}Z\` ${who(e.actor)} *${e.action}* ${move.replace(/_/g, ' ')} (v${e.version ?? '—'})${details}`;
  });
  // Slack caps a section at 3,000 characters: split the trail across sections.
  const chunks: string[] = [];
  for (const line of lines) {
    const last = chunks.at(-1);
    if (last !== undefined && last.length + line.length < 2900) chunks[chunks.length - 1] = `${last}\n${line}`;
    else chunks.push(line);
  }
  return {
    text: `Audit trail of ${request.reference}`,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: `Audit trail of ${request.reference}` } },
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: `${amount(request)} for ${escapeText(request.customerName, 100)} · now ${describeStatus(request.status)} · version ${request.version}`,
          },
        ],
      },
      ...chunks.map((text): KnownBlock => ({ type: 'section', text: { type: 'mrkdwn', text } })),
    ],
  };
}
