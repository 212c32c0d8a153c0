import type { WebClient } from '@slack/web-api';
import type { Db } from '../db/sql.js';
import type { ApproverDirectory } from '../domain/authorization.js';
import type { ChargeRequest } from '../domain/charge-request.js';
import type { Logger } from '../logger.js';
import type { OutboxItem } from '../outbox/items.js';
import type { DeliveryOutcome } from '../outbox/worker.js';
import { listCardCopies, recordCardCopy } from '../persistence/card-copies.js';
import { enqueue } from '../persistence/outbox.js';
import type { approvalCard } from './blocks/approval-card.js';
import { classifySlackError } from './deliver.js';

type Card = ReturnType<typeof approvalCard>;

/** Slack errors about one person (gone, deactivated, a bot): the others still get their DM. */
const PERSON_ERRORS = new Set([
  'user_not_found',
  'users_not_found',
  'user_disabled',
  'cannot_dm_bot',
  'user_not_visible',
]);

export interface ApproverDmOptions {
  readonly client: WebClient;
  readonly db: Db;
  readonly approvers: ApproverDirectory;
  /** APPROVAL_NOTIFY includes dm: every eligible approver gets each request that needs approval. */
  readonly notifyApprovers: boolean;
  readonly logger: Logger;
}

export interface ApproverDms {
  /** Posts the card by DM to each recipient who has no copy for this occasion yet; renders only if there is one. */
  post(
    request: ChargeRequest,
    render: () => Promise<Card>,
    item: Extract<OutboxItem, { kind: 'dm_card' }>,
  ): Promise<DeliveryOutcome>;
  /** Updates every DM copy of the card, as the finance mirror is updated; renders only if there are copies. */
  update(request: ChargeRequest, render: () => Promise<Card>): Promise<void>;
}

/**
 * Cards sent to people by DM, with the card's own buttons (same action ids and values, so the same
 * authorisation applies wherever they click). Each copy's channel and ts are stored, so every copy
 * follows the request as it changes.
 */
export function createApproverDms({ client, db, approvers, notifyApprovers, logger }: ApproverDmOptions): ApproverDms {
  const log = logger.child({ component: 'approver-dms' });

  async function recipients(request: ChargeRequest, to: 'approvers' | readonly string[]): Promise<string[]> {
    if (to !== 'approvers') return [...to];
    if (!notifyApprovers) return [];
    // Never the requester, even where they may approve their own requests.
    return (await approvers.approvers()).filter((u) => u !== request.requesterId);
  }

  return {
    async post(request, render, item) {
      // Decided meanwhile: nobody needs to be asked any more.
      if (request.status !== 'pending_approval') return { ok: true };
      const everyone = await recipients(request, item.to);
      if (everyone.length === 0) {
        // DMs are wanted but nobody can be asked: the thread says so, rather than a DM to nobody.
        if (item.to === 'approvers' && notifyApprovers) {
          log.warn({ reference: request.reference, occasion: item.occasion }, 'no approver to DM the card to');
          await enqueue(db, [
            { kind: 'thread_reply', requestId: request.id, notice: { type: 'nobody_to_notify', about: 'approval' } },
          ]);
        }
        return { ok: true };
      }
      const done = new Set(
        (await listCardCopies(db, request.id)).filter((c) => c.occasion === item.occasion).map((c) => c.userId),
      );
      const todo = everyone.filter((u) => !done.has(u));
      if (todo.length === 0) return { ok: true };
      const card = await render();
      for (const userId of todo) {
        try {
          const dm = await client.conversations.open({ users: userId });
          const channelId = dm.channel?.id;
          if (!channelId) throw new Error('conversations.open returned no channel');
          const posted = await client.chat.postMessage({ channel: channelId, ...card });
          if (posted.ts)
            await recordCardCopy(db, request.id, { occasion: item.occasion, userId, channelId, ts: posted.ts });
        } catch (error) {
          const outcome = classifySlackError(error);
          // Slack is down or limiting us: stop here. Whoever was reached keeps their copy; the retry
          // reaches the rest. A person Slack cannot DM is skipped; the others still get theirs.
          if (!outcome.ok && outcome.retry && !PERSON_ERRORS.has(outcome.error)) return outcome;
          log.warn(
            { err: error, reference: request.reference, userId, occasion: item.occasion },
            'could not DM the card to this person',
          );
        }
      }
      return { ok: true };
    },

    async update(request, render) {
      const copies = await listCardCopies(db, request.id);
      if (copies.length === 0) return;
      const card = await render();
      for (const copy of copies) {
        try {
          await client.chat.update({ channel: copy.channelId, ts: copy.ts, ...card });
        } catch (error) {
          // A copy that is gone stays gone; anything else is retried with the whole update.
          const outcome = classifySlackError(error);
          if (outcome.ok || outcome.retry) throw error;
          log.warn(
            { err: error, reference: request.reference, userId: copy.userId },
            'a DM copy of the card cannot be updated',
          );
        }
      }
    },
  };
}
