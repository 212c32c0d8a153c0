import type { WebClient } from '@slack/web-api';
import { pageByRequester } from '../persistence/charge-requests.js';
import { approverQueue } from '../use-cases/approver-queue.js';
import type { UseCaseDeps } from '../use-cases/deps.js';
import { HOME_MINE_ROWS, HOME_QUEUE_ROWS, homeView } from './blocks/home.js';

/** Renders and publishes one person's App Home from the database. */
export async function publishHome(client: WebClient, deps: UseCaseDeps, userId: string): Promise<void> {
  const [{ clicker, queue }, mine] = await Promise.all([
    approverQueue(deps, userId, HOME_QUEUE_ROWS),
    pageByRequester(deps.db, userId, HOME_MINE_ROWS),
  ]);
  const view = homeView({
    queue,
    standsInFor: clicker.delegation,
    mine,
    now: deps.clock.now(),
    timezone: deps.policy.timezone,
  });
  await client.views.publish({ user_id: userId, view });
}
