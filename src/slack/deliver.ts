import { ErrorCode, type WebClient } from '@slack/web-api';
import type { Db } from '../db/sql.js';
import type { Clock } from '../domain/clock.js';
import type { ChargeFlag } from '../domain/flags.js';
import type { SlackItem } from '../outbox/items.js';
import type { DeliveryOutcome } from '../outbox/worker.js';
import { listDecisions } from '../persistence/approvals.js';
import { findEditChanges } from '../persistence/audit.js';
import { findChargeRequest, recordCardLocation } from '../persistence/charge-requests.js';
import { hasPendingItem } from '../persistence/outbox.js';
import type { PolicySettings } from '../use-cases/deps.js';
import { policyStatus } from '../use-cases/enforce-policy.js';
import type { ApproverDms } from './approver-dms.js';
import { approvalCard } from './blocks/approval-card.js';
import { directNoticeText } from './blocks/direct-notice.js';
import { opsAlertText } from './blocks/ops-alert.js';
import { threadNoticeText } from './blocks/thread-notice.js';
import { type DeliveryTarget, handleRefusedDelivery } from './refused-delivery.js';

/** Slack errors no retry can fix: the message or channel is gone, or the payload itself is wrong. */
const PERMANENT_SLACK_ERRORS = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'msg_blocks_too_long',
  'msg_too_long',
  'invalid_blocks',
  'invalid_blocks_format',
  'message_not_found',
  'cant_update_message',
  'no_text',
  'too_many_attachments',
]);

export interface SlackDeliveryOptions {
  readonly client: WebClient;
  readonly db: Db;
  readonly clock: Clock;
  readonly testMode: boolean;
  /** Every card is mirrored here (with working buttons), when set. */
  readonly financeChannelId?: string;
  /** Cards of pending requests show which spending rules apply. */
  readonly policy?: PolicySettings;
  /** Copies of cards sent by DM (approvers, reminders, escalation), kept in sync with the card. */
  readonly approverDms?: ApproverDms;
  /** REPORT_TIMEZONE: cards say who did what and when in this zone. */
  readonly timezone: string;
}

/** Delivers one outbox item to Slack, rendering cards from the database as they are now. */
export function createSlackDelivery({
  client,
  db,
  clock,
  testMode,
  financeChannelId,
  policy,
  approverDms,
  timezone,
}: SlackDeliveryOptions) {
  /** The request's thread, for copies of the card shown elsewhere (finance channel, DMs). */
  const threadPermalink = (request: { channelId: string; threadTs: string | null }, cardTs: string) =>
    client.chat.getPermalink({ channel: request.channelId, message_ts: request.threadTs ?? cardTs }).then(
      (r) => r.permalink,
      () => undefined,
    );
  /** A direct message to one person: a refusal is the end of the line (kept dead, never answered with another DM). */
  const directMessage = (channel: string, text: string): Promise<DeliveryOutcome> =>
    client.chat.postMessage({ channel, text }).then(
      (): DeliveryOutcome => ({ ok: true }),
      (error: unknown) => classifySlackError(error),
    );
  return async (item: SlackItem): Promise<DeliveryOutcome> => {
    if (item.kind === 'ops_alert') return directMessage(item.userId, opsAlertText(item.alert));
    const request = await findChargeRequest(db, item.requestId);
    if (!request) return { ok: false, retry: false, error: `charge request ${item.requestId} not found` };
    if (item.kind === 'direct_message') return directMessage(item.userId, directNoticeText(request, item.notice));
    // Where the current Slack call goes: a permanent refusal is handled for that place.
    let target: DeliveryTarget = { channel: request.channelId };
    try {
      if (item.kind === 'thread_reply') {
        const thread = request.threadTs ?? request.cardTs;
        if (!thread) {
          // The card (which starts the thread) is on its way: the notice waits for it. A card that
          // will not come (refused, out of attempts, discarded): the requester gets the notice by DM.
          if (await hasPendingItem(db, 'post_card', request.id)) {
            return { ok: false, retry: true, error: 'the card is not posted yet' };
          }
          const notice = { type: 'unthreaded', channelId: request.channelId, notice: item.notice } as const;
          return directMessage(request.requesterId, directNoticeText(request, notice));
        }
        target = { channel: request.channelId, threadTs: thread };
        await client.chat.postMessage({
          channel: request.channelId,
          thread_ts: thread,
          text: threadNoticeText(request, item.notice),
        });
        return { ok: true };
      }
      const options = {
        testMode,
        timezone,
        changes: await findEditChanges(db, request.id, request.version),
        decisions: await listDecisions(db, request.id, request.version),
        policy:
          policy && request.status === 'pending_approval'
            ? await policyStatus(db, policy, request, clock.now())
            : undefined,
        flagLinks: await flagLinks(client, request.flags),
      };
      const copy = async (cardTs: string) =>
        approvalCard(request, { ...options, mirror: { threadPermalink: await threadPermalink(request, cardTs) } });
      if (item.kind === 'dm_card') {
        // With a link to the thread once the card is there (a DM does not wait for a card Slack refuses).
        const render = async () => (request.cardTs ? copy(request.cardTs) : approvalCard(request, options));
        return approverDms ? await approverDms.post(request, render, item) : { ok: true };
      }
      const card = approvalCard(request, options);
      let { cardTs, threadTs } = request;
      if (cardTs) {
        target = { channel: request.channelId, ts: cardTs };
        await client.chat.update({ channel: request.channelId, ts: cardTs, ...card });
      } else if (item.kind === 'post_card') {
        // Where the card lives is Slack bookkeeping, not a state change: no version, no audit.
        const record = async (ts: string | null) => {
          cardTs = ts;
          threadTs ??= ts;
          await recordCardLocation(db, request.id, { cardTs, threadTs });
        };
        target = { channel: request.channelId, threadTs, record };
        const posted = await client.chat.postMessage({
          channel: request.channelId,
          ...(threadTs ? { thread_ts: threadTs } : {}),
          ...card,
        });
        await record(posted.ts ?? null);
      }
      if (financeChannelId && cardTs && financeChannelId !== request.channelId) {
        const mirror = await copy(cardTs);
        const record = (ts: string | null) => recordCardLocation(db, request.id, { financeCardTs: ts });
        target = { channel: financeChannelId, ts: request.financeCardTs, record };
        if (request.financeCardTs) {
          await client.chat.update({ channel: financeChannelId, ts: request.financeCardTs, ...mirror });
        } else {
          const posted = await client.chat.postMessage({ channel: financeChannelId, ...mirror });
          await record(posted.ts ?? null);
        }
      }
      // DM copies follow the request even when the channel card is missing (Slack refused it, or it
      // is not posted yet): with a link to the thread once there is one. The channel card itself, when
      // not posted yet, needs nothing: the post renders the latest state.
      const posted = cardTs;
      if (approverDms) await approverDms.update(request, async () => (posted ? copy(posted) : card));
      return { ok: true };
    } catch (error) {
      const outcome = classifySlackError(error);
      // A refused DM is the end of the line: it is kept dead and logged, never answered with another DM.
      if (outcome.ok || outcome.retry || item.kind === 'dm_card') return outcome;
      return handleRefusedDelivery({ client, db }, item, request, target, outcome.error);
    }
  };
}

/**
 * Links to the threads of the requests a card's flags name (possible duplicates). Cosmetic: where
 * Slack gives no permalink the card shows the plain reference.
 */
async function flagLinks(client: WebClient, flags: readonly ChargeFlag[]): Promise<Map<string, string>> {
  const links = new Map<string, string>();
  for (const flag of flags) {
    const { reference, channel, thread } = flag.facts ?? {};
    if (typeof reference !== 'string' || typeof channel !== 'string' || typeof thread !== 'string') continue;
    const permalink = await client.chat.getPermalink({ channel, message_ts: thread }).then(
      (r) => r.permalink,
      () => undefined,
    );
    if (permalink) links.set(reference, permalink);
  }
  return links;
}

export function classifySlackError(error: unknown): DeliveryOutcome {
  const e = error as { code?: string; retryAfter?: number; data?: { error?: string }; message?: string };
  if (e.code === ErrorCode.RateLimitedError) {
    return { ok: false, retry: true, retryAfterSeconds: e.retryAfter ?? 30, error: 'rate_limited' };
  }
  if (e.code === ErrorCode.PlatformError) {
    const slackError = e.data?.error ?? 'unknown_error';
    return { ok: false, retry: !PERMANENT_SLACK_ERRORS.has(slackError), error: slackError };
  }
  return { ok: false, retry: true, error: e.message ?? String(error) };
}
