import { describe, expect, test } from '@jest/globals';
import { CARD_ACTIONS } from '../../src/slack/blocks/approval-card.js';
import { MODALS } from '../../src/slack/blocks/modals.js';
import { SOMETHING_WENT_WRONG } from '../../src/slack/refusals.js';
import { APPROVERS, startTestApp, type TestApp } from '../support/app.js';
import { viewSubmission } from '../support/fake-slack.js';
import { click, ephemeral, propose, query, statusOf } from '../support/flows.js';
import { stopAfterEach } from '../support/lifecycle.js';

const stopLater = stopAfterEach();
const FIN1 = APPROVERS[0] ?? '';

/** A database outage for this app only: no new connections, existing ones dropped. */
async function databaseDown(t: TestApp): Promise<() => Promise<void>> {
  const name = new URL(t.databaseUrl).pathname.slice(1);
  const admin = new URL(t.databaseUrl);
  admin.pathname = '/postgres';
  await query(admin.toString(), `ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
  await query(admin.toString(), 'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [name]);
  return async () => {
    await query(admin.toString(), `ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
  };
}

describe('when something unexpected fails behind a button or a modal', () => {
  test('then the clicker is told that nothing changed and to try again, and nothing changed', async () => {
    const t = stopLater(await startTestApp());
    const request = await propose(t);
    const restore = await databaseDown(t);
    try {
      const res = await click(t, CARD_ACTIONS.approve, `${request.id}:1`, FIN1, 'approve-during-outage');
      expect(res.status).toBe(200); // Slack is acknowledged first
      expect(await ephemeral(t, 'approve-during-outage')).toBe(SOMETHING_WENT_WRONG);

      const submitted = await t.postInteraction(
        viewSubmission(MODALS.reject, `${request.id}:1`, FIN1, { reason: 'Budget frozen until Q4' }),
      );
      expect(submitted.status).toBe(200);
      expect(await submitted.json()).toEqual({ response_action: 'errors', errors: { reason: SOMETHING_WENT_WRONG } });
    } finally {
      await restore();
    }
    expect(await statusOf(t, request.id)).toBe('pending_approval');
    expect(await query(t.databaseUrl, 'SELECT * FROM charge_approvals')).toEqual([]);
  });

  test('then a Slack failure opening a modal is answered the same way', async () => {
    const t = stopLater(await startTestApp());
    const request = await propose(t);
    t.slack.failNext('views.open', { error: 'internal_error' });
    await click(t, CARD_ACTIONS.reject, `${request.id}:1`, FIN1, 'reject-modal-failed');
    expect(await ephemeral(t, 'reject-modal-failed')).toBe(SOMETHING_WENT_WRONG);
    expect(await statusOf(t, request.id)).toBe('pending_approval');
  });
});
