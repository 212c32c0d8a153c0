import type { KnownBlock } from '@slack/types';
import { DateTime } from 'luxon';
import { type ChargeRequest, moneyOf } from '../../domain/charge-request.js';
import { describeStatus } from '../../domain/charge-status.js';
import { formatMoney } from '../../domain/money.js';
import type { AuditEvent } from '../../persistence/audit.js';
import { SLACK_LIMITS } from '../limits.js';
import { escapeText, joinLines, mention } from './escape.js';

const amount = (r: ChargeRequest) => formatMoney(moneyOf(r));
const who = (actor: string) => (/^[UW][A-Z0-9]+$/.test(actor) ? mention(actor) : `_${escapeText(actor, 20)}_`);

/** Room for the trail's lines: the header and context leave the rest of Slack's ~9,000 characters. */
const TRAIL_ROOM = 7_500;

const humanize = (key: string) =>
  key.replace(/_/g, ' ').replace(/([a-z])([A-Z])/g, (_m, a: string, b: string) => `${a} ${b.toLowerCase()}`);

function readableValue(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) {
    return value
      .map((item) =>
        item && typeof item === 'object' && 'field' in item && 'from' in item && 'to' in item
          ? `${String(item.field)}: ${String(item.from)} → ${String(item.to)}`
          : readableValue(item),
      )
      .join(', ');
  }
  return Object.entries(value as Record<string, unknown>)
    .map(([k, v]) => `${humanize(k)} ${readableValue(v)}`)
    .join(', ');
}

/** An event's details as words ("reason: too early · changes: amount: … → …"), escaped and bounded. */
function readableDetails(details: Record<string, unknown>): string {
  const text = Object.entries(details)
    .map(([key, value]) => `${humanize(key)}: ${readableValue(value)}`)
    .join(' · ');
  return escapeText(text, 400);
}

/** "2026-11-21 14:03:05 CET": an instant in REPORT_TIMEZONE. */
const localTime = (at: Date, timezone: string) =>
  DateTime.fromJSDate(at, { zone: timezone }).toFormat('yyyy-MM-dd HH:mm:ss ZZZZ');

/**
 * `/charges audit CR-1042`: the trail, oldest first, times in REPORT_TIMEZONE and details in words.
 * A trail longer than a message holds ends with "…and N more" and how to get all of it as a file.
 */
export function auditBlocks(
  request: ChargeRequest,
  events: readonly AuditEvent[],
  timezone: string,
): { text: string; blocks: KnownBlock[] } {
  const lines = events.map((e) => {
    const from = e.fromStatus ? escapeText(e.fromStatus.replace(/_/g, ' '), 40) : '';
    const to = e.toStatus ? escapeText(e.toStatus.replace(/_/g, ' '), 40) : '';
    const move = e.fromStatus === e.toStatus || !from ? to : `${from} → ${to}`;
    const details = Object.keys(e.details).length ? ` · ${readableDetails(e.details)}` : '';
    return `\`${localTime(e.createdAt, timezone)}\` ${who(e.actor)} *${escapeText(e.action, 40)}* ${move} (v${e.version ?? '—'})${details}`;
  });
  const trail = joinLines(
    lines,
    TRAIL_ROOM,
    (hidden) =>
      `…and ${hidden} more events: \`/charges audit ${request.reference} csv\` sends the whole trail to your DM.`,
  );
  // A section holds 3,000 characters: the trail is split between whole lines.
  const chunks: string[] = [];
  for (const line of trail.split('\n')) {
    const last = chunks.at(-1);
    if (last !== undefined && last.length + 1 + line.length <= SLACK_LIMITS.section.textMaxChars) {
      chunks[chunks.length - 1] = `${last}\n${line}`;
    } else {
      chunks.push(line);
    }
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
            text: `${amount(request)} for ${escapeText(request.customerName, 100)} · now ${describeStatus(request.status)} · version ${request.version} · ${events.length} events · times in ${escapeText(timezone, 60)}`,
          },
        ],
      },
      ...chunks.filter(Boolean).map((text): KnownBlock => ({ type: 'section', text: { type: 'mrkdwn', text } })),
    ],
  };
}
