import type { WebClient } from '@slack/web-api';
import { findAwaitingApprover, findByRequester } from '../persistence/charge-requests.js';
import type { ChargeDeps } from '../use-cases/charge-deps.js';
import { homeView } from './blocks/home.js';

/** Renders and publishes one person's App Home from the database. */
export async function publishHome(client: WebClient, deps: ChargeDeps, userId: string): Promise<void> {
  const isApprover = await deps.approvers.isApprover(userId);
  const [queue, mine] = await Promise.all([
    isApprover ? findAwaitingApprover(deps.dataSource, 15) : Promise.resolve([]),
    findByRequester(deps.dataSource, userId, 10),
  ]);
  await client.views.publish({ user_id: userId, view: homeView({ isApprover, queue, mine }) });
}
