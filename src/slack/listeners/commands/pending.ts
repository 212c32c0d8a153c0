import { holdsApprovalRight, mayAdminister } from '../../../domain/authorization.js';
import { AWAITING_APPROVER_STATUSES } from '../../../domain/charge-status.js';
import { pageByStatus } from '../../../persistence/charge-requests.js';
import { resolveClicker } from '../../../use-cases/acting-approver.js';
import { pendingBlocks } from '../../blocks/lists.js';
import { threadPermalinks } from '../../permalinks.js';
import type { Subcommand } from './subcommand.js';

/** Rows fetched for the list; the answer still gives the true count and says how many it leaves out. */
const PENDING_ROWS = 25;

export const pending: Subcommand = {
  name: 'pending',
  usage: '/charges pending',
  what: 'Approvers and admins: everything waiting for approval, oldest first, with its true count, age and links to the threads.',
  audience: 'everyone',
  async run(deps, run) {
    const { db, clock } = deps.useCases;
    const isAdmin = mayAdminister(deps.admin.adminUserIds, run.userId).ok;
    const clicker = isAdmin ? undefined : await resolveClicker(deps.useCases, db, run.userId, clock.now());
    if (clicker && !holdsApprovalRight(clicker)) {
      return run.reply('The pending queue is for finance approvers and admins.');
    }
    const page = await pageByStatus(db, AWAITING_APPROVER_STATUSES, PENDING_ROWS);
    return run.reply(pendingBlocks(page, await threadPermalinks(run.client, page.requests), clock.now()));
  },
};
