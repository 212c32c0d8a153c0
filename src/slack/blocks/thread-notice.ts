import type { ChargeRequest } from '../../domain/charge-request.js';
import type { ThreadNotice } from '../../outbox/outbox.js';
import { describeChange } from './approval-card.js';

/** The words of a thread message for a notice. Every user-supplied value is escaped. */
export function threadNoticeText(request: ChargeRequest, notice: ThreadNotice): string {
  switch (notice.type) {
    case 'revised':
      return `:pencil2: ${request.reference} is now version ${notice.version} (${notice.changes.map(describeChange).join(', ')}). Approvals of earlier versions no longer count.`;
  }
}
