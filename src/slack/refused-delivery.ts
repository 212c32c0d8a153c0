import type { WebClient } from '@slack/web-api';
import type { Db } from '../db/sql.js';
import type { ChargeRequest } from '../domain/charge-request.js';
import type { OutboxItem } from '../outbox/items.js';
import type { DeliveryOutcome } from '../outbox/worker.js';
import { findLastPersonActor } from '../persistence/audit.js';
import { enqueue } from '../persistence/outbox.js';
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
  item: Exclude<OutboxItem, { kind: 'direct_message' }>,
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
  const person = (await findLastPersonActor(deps.db, request.id)) ?? request.requesterId;
  await enqueue(deps.db, [
    {
      kind: 'direct_message',
      requestId: request.id,
      userId: person,
      notice: {
        type: 'message_refused',
        error,
        channelId: target.channel,
        refused: item.kind === 'thread_reply' ? { kind: 'thread_reply', notice: item.notice } : { kind: 'card' },
        fallbackPosted,
      },
    },
  ]);
  handled.push(`${person} told by DM`);
  return { ok: false, retry: false, error, handled: handled.join('; ') };
}
