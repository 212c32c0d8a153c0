import { mayAdminister } from '../../../domain/authorization.js';
import { AWAITING_APPROVER_STATUSES } from '../../../domain/charge-status.js';
import { findByStatus } from '../../../persistence/charge-requests.js';
import { pendingBlocks } from '../../blocks/admin.js';
import type { Subcommand } from './subcommand.js';

export const pending: Subcommand = {
  name: 'pending',
  usage: '/charges pending',
  what: 'Approvers and admins: what waits for approval, oldest first, with links to the threads.',
  audience: 'everyone',
  async run(deps, run) {
    const isAdmin = mayAdminister(deps.admin.adminUserIds, run.userId).ok;
    if (!isAdmin && !(await deps.useCases.approvers.isApprover(run.userId))) {
      return run.reply('The pending queue is for finance approvers and admins.');
    }
    const requests = await findByStatus(deps.useCases.db, AWAITING_APPROVER_STATUSES, 25);
    const permalinks = new Map<string, string>();
    await Promise.all(
      requests.map(async (r) => {
        const ts = r.threadTs ?? r.cardTs;
        if (!ts) return;
        const link = await run.client.chat
          .getPermalink({ channel: r.channelId, message_ts: ts })
          .catch(() => undefined);
        if (link?.permalink) permalinks.set(r.id, link.permalink);
      }),
    );
    return run.reply(pendingBlocks(requests, permalinks, deps.useCases.clock.now()));
  },
};
