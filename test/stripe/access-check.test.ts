import { afterAll, beforeAll, beforeEach, expect, test } from '@jest/globals';
import { checkStripeAccess, createStripeClient, PERMISSION_CHECK_LINK_ID } from '../../src/stripe/client.js';
import { FakeStripe } from '../support/fake-stripe.js';

let stripe: FakeStripe;
beforeAll(async () => {
  stripe = await FakeStripe.start();
});
afterAll(async () => {
  await stripe?.close();
});
beforeEach(() => {
  stripe.requests.length = 0;
});

const check = (secretKey: string) => {
  const client = createStripeClient({ secretKey, apiBase: stripe.apiBase, webhookSecrets: [] });
  if (!client) throw new Error('no client');
  return checkStripeAccess(client);
};

/** What the check asked of Stripe, and how Stripe answered. */
const asked = () => stripe.requests.map((r) => `${r.method} ${r.path} → ${r.status}`);

test('when the key may write payment links, then the check passes on a link that does not exist, and nothing is created or changed', async () => {
  expect(await check('sk_test_fullaccess123')).toEqual([]);
  expect(asked()).toEqual([
    `POST /v1/payment_links/${PERMISSION_CHECK_LINK_ID} → 404`,
    'GET /v1/checkout/sessions → 200',
  ]);
  expect(stripe.links).toEqual([]);
});

test('when a restricted key may write payment links and read checkout sessions, then the check passes', async () => {
  stripe.restrictKey('rk_test_enough123', ['payment_link_write', 'checkout_session_read']);
  expect(await check('rk_test_enough123')).toEqual([]);
  expect(stripe.links).toEqual([]);
});

test('when a restricted key can only read payment links, then the check says it lacks "Payment Links: write", in Stripe\'s words too, and creates nothing', async () => {
  stripe.restrictKey('rk_test_readonly123', ['payment_link_read', 'checkout_session_read']);
  const problems = await check('rk_test_readonly123');
  expect(problems).toHaveLength(1);
  expect(problems[0]).toMatch(/^STRIPE_SECRET_KEY lacks the permission "Payment Links: write" \(Stripe said: .*/);
  expect(problems[0]).toContain("Having the 'rak_payment_link_write' permission would allow this request to continue");
  expect(asked()).toEqual([
    `POST /v1/payment_links/${PERMISSION_CHECK_LINK_ID} → 403`,
    'GET /v1/checkout/sessions → 200',
  ]);
  expect(stripe.links).toEqual([]);
});

test('when a restricted key cannot read checkout sessions, then the check names that permission', async () => {
  stripe.restrictKey('rk_test_nosessions123', ['payment_link_write']);
  const problems = await check('rk_test_nosessions123');
  expect(problems).toEqual([
    expect.stringMatching(/^STRIPE_SECRET_KEY lacks the permission "Checkout Sessions: read"/),
  ]);
  expect(problems[0]).toContain('rak_checkout_session_read');
});

test('when Stripe does not know the key, then the check says so alone', async () => {
  const problems = await check('sk_test_');
  expect(problems).toHaveLength(1);
  expect(problems[0]).toMatch(/^Stripe rejected STRIPE_SECRET_KEY/);
});
