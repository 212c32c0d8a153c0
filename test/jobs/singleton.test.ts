import { Writable } from 'node:stream';
import { afterEach, expect, test } from '@jest/globals';
import { createLogger } from '../../src/logger.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { startFakeSlack } from '../support/fake-slack.js';
import { FakeStripe } from '../support/fake-stripe.js';
import { approvedWithLink } from '../support/flows.js';
import { eventually } from '../support/http-fake.js';

let apps: TestApp[] = [];
let stripe: FakeStripe | undefined;
let release = () => {};
afterEach(async () => {
  release();
  for (const app of apps) await app.stop();
  await stripe?.close();
  apps = [];
});

function capturingLogger() {
  const lines: string[] = [];
  const logger = createLogger({
    level: 'debug',
    destination: new Writable({
      write(chunk, _encoding, callback) {
        lines.push(String(chunk));
        callback();
      },
    }),
  });
  return { logger, lines };
}

test('when two instances share the database, then reconciliation never runs on both at the same time', async () => {
  const slack = await startFakeSlack();
  stripe = await FakeStripe.start();
  const first = await startTestApp({ slack, stripe });
  apps.push(first);
  await approvedWithLink(first);

  // Reconciliation on two more instances, every 100 ms.
  const { logger, lines } = capturingLogger();
  for (let i = 0; i < 2; i++) {
    apps.push(
      await startTestApp({
        slack,
        stripe,
        databaseUrl: first.databaseUrl,
        logger,
        env: { RECONCILE_INTERVAL_MS: '100' },
      }),
    );
  }
  const fake = stripe;
  const sessionLists = () => fake.requests.filter((r) => r.path === '/v1/checkout/sessions' && r.params.payment_link);
  await eventually(() => (sessionLists().length >= 2 ? true : undefined), 'reconciliation running');

  // The next run is held inside Stripe: while it is, the lock is taken and every other turn, on
  // either instance, is skipped.
  release = fake.holdNext('GET /v1/checkout/sessions');
  const before = sessionLists().length;
  await eventually(() => (sessionLists().length > before ? true : undefined), 'a run held at Stripe');
  const skips = () =>
    lines.filter((l) => l.includes('another instance is running it') && l.includes('reconcile-payments')).length;
  const skipsBefore = skips();
  await eventually(() => (skips() >= skipsBefore + 5 ? true : undefined), 'other turns skipped', 15_000);
  expect(sessionLists().length).toBe(before + 1);

  // Released, the lock passes on and reconciliation goes on.
  release();
  await eventually(() => (sessionLists().length >= before + 3 ? true : undefined), 'reconciliation resumed');
  await slack.close();
});
