import { expect, test } from '@jest/globals';
import { createPoolDb } from '../../src/db/sql.js';
import { createChargeRequest } from '../../src/persistence/charge-requests.js';
import { enqueue } from '../../src/persistence/outbox.js';
import { startTestApp } from '../support/app.js';
import { newRequest } from '../support/fixtures.js';
import { stopAfterEach } from '../support/lifecycle.js';

const stopLater = stopAfterEach();

test('when another instance commits Slack work, then this instance wakes at once (LISTEN/NOTIFY), not at its next poll', async () => {
  // Polling is the safety net; here it would take a minute.
  const t = stopLater(await startTestApp({ app: { outboxPollMs: 60_000 } }));
  const otherInstance = createPoolDb({ url: t.databaseUrl, max: 2, applicationName: 'another-instance' });
  stopLater({ stop: () => otherInstance.end() });

  const started = Date.now();
  const request = await otherInstance.transaction(async (tx) => {
    const created = await createChargeRequest(tx, newRequest({ threadTs: null }), 'U0REQUESTER');
    await enqueue(tx, [{ kind: 'post_card', requestId: created.id }]);
    return created;
  });
  const card = await t.slack.waitForCall('chat.postMessage', (c) => String(c.args.text).startsWith(request.reference));
  expect(card.args.channel).toBe('C0SALES');
  expect(Date.now() - started).toBeLessThan(10_000);
});

test('when the work is rolled back, then nothing is delivered', async () => {
  const t = stopLater(await startTestApp({ app: { outboxPollMs: 200 } }));
  await t.app.database.db
    .transaction(async (tx) => {
      const created = await createChargeRequest(tx, newRequest({ threadTs: null }), 'U0REQUESTER');
      await enqueue(tx, [{ kind: 'post_card', requestId: created.id }]);
      throw new Error('the rest of the change failed');
    })
    .catch(() => undefined);
  const committed = await t.app.database.db.transaction(async (tx) => {
    const created = await createChargeRequest(tx, newRequest({ threadTs: null, customerName: 'Second' }), 'U0X');
    await enqueue(tx, [{ kind: 'post_card', requestId: created.id }]);
    return created;
  });
  await t.slack.waitForCall('chat.postMessage', (c) => String(c.args.text).startsWith(committed.reference));
  expect(t.slack.callsOf('chat.postMessage').filter((c) => Array.isArray(c.args.blocks))).toHaveLength(1);
});
