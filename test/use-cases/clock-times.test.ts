import { expect, test } from '@jest/globals';
import { CARD_ACTIONS } from '../../src/slack/blocks/approval-card.js';
import { APPROVERS } from '../support/app.js';
import { FakeClock } from '../support/clock.js';
import { eventEnvelope, mentionEvent } from '../support/fake-slack.js';
import { click, propose, query, settled, waitForStatus } from '../support/flows.js';
import { useServices } from '../support/services.js';

const services = useServices();

test('when the app clock says a fixed date, then a request, its approval and its audit trail carry that date, not the database time', async () => {
  const at = new Date('2025-03-03T09:30:00.000Z');
  const clock = new FakeClock(at);
  const app = await services.start({ clock });
  const request = await propose(app);
  await click(app, CARD_ACTIONS.approve, `${request.id}:1`, APPROVERS[0] ?? '');
  await waitForStatus(app, request.id, 'link_created');
  await settled(app);

  const [row] = await query<Record<string, Date>>(
    app.databaseUrl,
    `SELECT created_at, updated_at, awaiting_approval_since, approved_at, link_created_at
     FROM charge_requests WHERE id = $1`,
    [request.id],
  );
  expect(row).toEqual({
    created_at: at,
    updated_at: at,
    awaiting_approval_since: at,
    approved_at: at,
    link_created_at: at,
  });
  const audit = await query<{ action: string; created_at: Date }>(
    app.databaseUrl,
    'SELECT action, created_at FROM audit_events WHERE charge_request_id = $1 ORDER BY id',
    [request.id],
  );
  expect(audit).toEqual([
    { action: 'create', created_at: at },
    { action: 'approve', created_at: at },
    { action: 'create_link', created_at: at },
  ]);
  expect(
    await query(app.databaseUrl, 'SELECT created_at FROM charge_approvals WHERE charge_request_id = $1', [request.id]),
  ).toEqual([{ created_at: at }]);
});

test('when the app clock says a fixed date, then an agent turn is recorded at that date (the report counts it in that period)', async () => {
  const at = new Date('2025-03-03T09:30:00.000Z');
  const app = await services.start({ clock: new FakeClock(at), model: () => ({ text: 'Which currency?' }) });
  await app.postEvent(eventEnvelope(mentionEvent('charge Acme 1200', { ts: '1700000012.000100' })));
  await app.slack.waitForCall('chat.postMessage', (c) => c.args.text === 'Which currency?');
  await settled(app);
  expect(await query(app.databaseUrl, 'SELECT outcome, created_at FROM agent_runs')).toEqual([
    { outcome: 'replied', created_at: at },
  ]);
});
