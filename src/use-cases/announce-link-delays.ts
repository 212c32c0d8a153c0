import { formatDuration } from '../domain/duration.js';
import type { OutboxItem } from '../outbox/items.js';
import { findUnannouncedDelays, markLinkDelayed } from '../persistence/charge-requests.js';
import { enqueue, queueCardUpdate } from '../persistence/outbox.js';
import type { UseCaseDeps } from './deps.js';

/**
 * Approved requests still without a payment link `delayMs` (LINK_DELAY_ALERT) after approval: the
 * card shows the delay, and the thread and every approver are told what is happening and what they
 * can do. Once per request: the mark, its audit event and the Slack messages are one compare-and-set
 * transaction, so a restart, a second instance or the next run never says it twice. The sweep keeps
 * trying to make the link meanwhile. Returns how many requests were announced.
 */
export async function announceLinkDelays(
  deps: Pick<UseCaseDeps, 'db' | 'approvers' | 'clock' | 'logger'>,
  delayMs: number,
): Promise<number> {
  const now = deps.clock.now();
  const delayed = await findUnannouncedDelays(deps.db, 'approved', new Date(now.getTime() - delayMs), 50);
  if (delayed.length === 0) return 0;
  const approvers = await deps.approvers.approvers();
  const after = formatDuration(delayMs);
  let announced = 0;
  for (const request of delayed) {
    const marked = await deps.db.transaction(async (tx) => {
      const details = { after, lastError: request.lastError, approversTold: approvers };
      if (!(await markLinkDelayed(tx, request, now, details))) return false;
      await queueCardUpdate(tx, request.id, { type: 'link_delayed', after });
      await enqueue(
        tx,
        approvers.map(
          (userId): OutboxItem => ({
            kind: 'direct_message',
            requestId: request.id,
            userId,
            notice: { type: 'link_delayed', after },
          }),
        ),
      );
      return true;
    });
    if (marked) {
      announced += 1;
      deps.logger.warn(
        { reference: request.reference, after, lastError: request.lastError, approvers: approvers.length },
        'payment link delayed; the thread and the approvers were told',
      );
    }
  }
  return announced;
}
