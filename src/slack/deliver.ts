import { ErrorCode, type WebClient } from '@slack/web-api';
import type { Db } from '../db/sql.js';
import type { Clock } from '../domain/clock.js';
import type { OutboxItem } from '../outbox/items.js';
import type { DeliveryOutcome } from '../outbox/worker.js';
import { listDecisions } from '../persistence/approvals.js';
import { findEditChanges } from '../persistence/audit.js';
import { findChargeRequest, recordCardLocation } from '../persistence/charge-requests.js';
import type { PolicySettings } from '../use-cases/deps.js';
import { policyStatus } from '../use-cases/enforce-policy.js';
import { approvalCard } from './blocks/approval-card.js';
import { directNoticeText } from './blocks/direct-notice.js';
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
}

/** Delivers one outbox item to Slack, rendering cards from the database as they are now. */
export function createSlackDelivery({ client, db, clock, testMode, financeChannelId, policy }: SlackDeliveryOptions) {
  return async (item: OutboxItem): Promise<DeliveryOutcome> => {
    const request = await findChargeRequest(db, item.requestId);
    if (!request) return { ok: false, retry: false, error: `charge request ${item.requestId} not found` };
    // Where the current Slack call goes: a permanent refusal is handled for that place.
    let target: DeliveryTarget = { channel: request.channelId };
    try {
      if (item.kind === 'direct_message') {
        target = { channel: item.userId };
        await client.chat.postMessage({ channel: item.userId, text: directNoticeText(request, item.notice) });
        return { ok: true };
      }
      if (item.kind === 'thread_reply') {
        const thread = request.threadTs ?? request.cardTs;
        if (!thread) return { ok: false, retry: true, error: 'the card is not posted yet' };
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
        changes: await findEditChanges(db, request.id, request.version),
        decisions: await listDecisions(db, request.id, request.version),
        policy:
          policy && request.status === 'pending_approval'
            ? await policyStatus(db, policy, request, clock.now())
            : undefined,
      };
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
        const permalink = await client.chat
          .getPermalink({ channel: request.channelId, message_ts: threadTs ?? cardTs })
          .then(
            (r) => r.permalink,
            () => undefined,
          );
        const mirror = approvalCard(request, { ...options, threadPermalink: permalink });
        const record = (ts: string | null) => recordCardLocation(db, request.id, { financeCardTs: ts });
        target = { channel: financeChannelId, ts: request.financeCardTs, record };
        if (request.financeCardTs) {
          await client.chat.update({ channel: financeChannelId, ts: request.financeCardTs, ...mirror });
        } else {
          const posted = await client.chat.postMessage({ channel: financeChannelId, ...mirror });
          await record(posted.ts ?? null);
        }
      }
      // An update_card before the card exists needs nothing: the post renders the latest state.
      return { ok: true };
    } catch (error) {
      const outcome = classifySlackError(error);
      // A refused DM is the end of the line: it is kept dead and logged, never answered with another DM.
      if (outcome.ok || outcome.retry || item.kind === 'direct_message') return outcome;
      return handleRefusedDelivery({ client, db }, item, request, target, outcome.error);
    }
  };
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
