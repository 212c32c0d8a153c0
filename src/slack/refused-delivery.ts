import type { WebClient } from '@slack/web-api';
import type { Db, Queryable, Tx } from '../db/sql.js';
import type { ChargeRequest } from '../domain/charge-request.js';
import type { RequestItem } from '../outbox/items.js';
import type { DeadDelivery, DeliveryOutcome } from '../outbox/worker.js';
import { findLastPersonActor } from '../persistence/audit.js';
import { findChargeRequest } from '../persistence/charge-requests.js';
import { enqueue, type QueuedItem, queueOpsAlerts } from '../persistence/outbox.js';
import { cardFallbackMessage, MESSAGE_REFUSALS } from './blocks/direct-notice.js';

/** Where a refused message was going: a channel, and the message it updates or the thread it joins. */
export interface DeliveryTarget {
  channel: string;
  ts?: string | null;
  threadTs?: string | null;
  /** For a card not posted yet: where to record the plain-text version once posted. */
  record?: (ts: string | null) => Promise<void>;
}

/**
 * Slack refused a message for good (too large or malformed, or a channel that is gone, archived or
 * without us). Nothing fails silently: where the channel still works, a short plain-text version is
 * posted in place of a refused card; the person who last acted on the request (else the requester)
 * is told by DM, through the outbox so the DM itself is retried; the item then stays dead with
 * Slack's error code for admins. Returns the outcome for the worker, saying what was done.
 */
export async function handleRefusedDelivery(
  deps: { client: WebClient; db: Db },
  item: ChannelMessage,
  request: ChargeRequest,
  target: DeliveryTarget,
  error: string,
): Promise<DeliveryOutcome> {
  const handled: string[] = [];
  let fallbackPosted = false;
  if (item.kind !== 'thread_reply' && MESSAGE_REFUSALS.has(error)) {
    const text = cardFallbackMessage(request);
    try {
      if (target.ts) {
        await deps.client.chat.update({ channel: target.channel, ts: target.ts, text, blocks: [] });
      } else {
        const posted = await deps.client.chat.postMessage({
          channel: target.channel,
          ...(target.threadTs ? { thread_ts: target.threadTs } : {}),
          text,
        });
        await target.record?.(posted.ts ?? null);
      }
      fallbackPosted = true;
      handled.push(`plain-text fallback posted in ${target.channel}`);
    } catch (fallbackError) {
      const why = fallbackError instanceof Error ? fallbackError.message : String(fallbackError);
      handled.push(`plain-text fallback failed too (${why})`);
    }
  }
  const person = await tellPerson(deps.db, item, request, { error, channelId: target.channel, fallbackPosted });
  handled.push(`${person} told by DM`);
  return { ok: false, retry: false, error, handled: handled.join('; ') };
}

/** A card or a thread message that did not reach its channel. */
type ChannelMessage = Exclude<RequestItem, { kind: 'direct_message' | 'dm_card' }>;

/**
 * Tells the person who last acted on the request (else the requester) by DM, through the outbox so
 * the DM itself is retried, what could not be shown where, and why. Returns who.
 */
async function tellPerson(
  db: Queryable,
  item: ChannelMessage,
  request: ChargeRequest,
  what: { error: string; channelId: string; fallbackPosted: boolean; attempts?: number },
): Promise<string> {
  const person = (await findLastPersonActor(db, request.id)) ?? request.requesterId;
  await enqueue(db, [
    {
      kind: 'direct_message',
      requestId: request.id,
      userId: person,
      notice: {
        type: 'message_refused',
        ...what,
        refused: item.kind === 'thread_reply' ? { kind: 'thread_reply', notice: item.notice } : { kind: 'card' },
      },
    },
  ]);
  return person;
}

/**
 * An outbox item died (refused for good, or out of attempts). In the transaction that marks it dead:
 * every admin is alerted by DM (never about an alert that died: no loop); and when a card or a thread
 * message ran out of attempts (a refusal was handled when it came), the person who last acted (else
 * the requester) is told as for a refusal, with what admins can do (Retry in `/charges ops`).
 */
export async function reportDeadDelivery(
  tx: Tx,
  adminUserIds: readonly string[],
  queued: QueuedItem,
  why: DeadDelivery,
): Promise<void> {
  const { item } = queued;
  if (item.kind === 'ops_alert') return;
  const request = await findChargeRequest(tx, item.requestId);
  const about = {
    itemId: queued.id,
    reference: request?.reference ?? null,
    attempts: queued.attempts,
    error: why.error,
  };
  await queueOpsAlerts(
    tx,
    adminUserIds,
    item.kind === 'deactivate_link'
      ? { type: 'link_deactivation_dead', paymentLinkId: item.paymentLinkId, ...about }
      : { type: 'slack_update_dead', itemKind: item.kind, ...about },
  );
  if (why.retry && request && (item.kind === 'post_card' || item.kind === 'thread_reply')) {
    await tellPerson(tx, item, request, {
      error: why.error,
      channelId: request.channelId,
      fallbackPosted: false,
      attempts: queued.attempts,
    });
  }
}
