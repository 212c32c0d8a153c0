import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { startTestApp, type TestApp } from '../support/app.js';
import { proposeOnce } from '../support/fake-openai.js';
import { eventEnvelope, type FakeSlack, mentionEvent, startFakeSlack } from '../support/fake-slack.js';
import { FakeSocketMode } from '../support/fake-socket-mode.js';

let slack: FakeSlack;
let socketMode: FakeSocketMode;
let t: TestApp;

beforeAll(async () => {
  slack = await startFakeSlack();
  socketMode = await FakeSocketMode.start();
  slack.socket.url = socketMode.url;
  t = await startTestApp({
    slack,
    model: proposeOnce({ customer_name: 'Acme Corp', amount: '1,200', currency: 'USD', description: 'workshop' }),
    env: { SLACK_APP_TOKEN: 'xapp-1-A0APP-1-fake' },
  });
});
afterAll(async () => {
  await t?.stop();
  await socketMode?.close();
  await slack?.close();
});

test('with SLACK_APP_TOKEN the app connects over Socket Mode, acknowledges envelopes and answers in the thread', async () => {
  await socketMode.waitForClient();
  expect(slack.callsOf('apps.connections.open')).toHaveLength(1);
  await socketMode.deliverEvent(eventEnvelope(mentionEvent('charge Acme Corp $1,200', { ts: '1700000400.000100' })));
  const card = await slack.waitForCall('chat.postMessage', (c) => Array.isArray(c.args.blocks));
  expect(card.args.thread_ts).toBe('1700000400.000100');
  expect(JSON.stringify(card.args.blocks)).toContain('$1,200.00 USD');
});

test('in Socket Mode the other routes stay on PORT and /slack/events is not served', async () => {
  expect((await fetch(`${t.base}/healthz`)).status).toBe(200);
  expect((await fetch(`${t.base}/readyz`)).status).toBe(200);
  expect((await fetch(`${t.base}/slack/events`, { method: 'POST', body: '{}' })).status).toBe(404);
  expect((await fetch(`${t.base}/stripe/webhook`, { method: 'POST', body: '{}' })).status).toBe(503);
});
