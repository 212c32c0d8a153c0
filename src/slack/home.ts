import type { WebClient } from '@slack/web-api';
import { AWAITING_APPROVER_STATUSES } from '../domain/charge-status.js';
import { findByRequester, findByStatus } from '../persistence/charge-requests.js';
import type { UseCaseDeps } from '../use-cases/deps.js';
import { homeView } from './blocks/home.js';

/** Renders and publishes one person's App Home from the database. */
export async function publishHome(
  client: WebClient,
  deps: Pick<UseCaseDeps, 'db' | 'approvers'>,
  userId: string,
): Promise<void> {
  const isApprover = await deps.approvers.isApprover(userId);
  const [queue, mine] = await Promise.all([
    isApprover ? findByStatus(deps.db, AWAITING_APPROVER_STATUSES, 15) : Promise.resolve([]),
    findByRequester(deps.db, userId, 10),
  ]);
  await client.views.publish({ user_id: userId, view: homeView({ isApprover, queue, mine }) });
}
