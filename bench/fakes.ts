import { startFakeSlack } from '../test/support/fake-slack.js';
import { FakeStripe } from '../test/support/fake-stripe.js';

/** The loopback Slack and Stripe fakes in a process of their own, so they do not load the generator. */
const slack = await startFakeSlack();
const stripe = await FakeStripe.start();
process.stdout.write(
  `${JSON.stringify({ slackApiUrl: slack.apiUrl, responseUrl: slack.responseUrl('bench'), stripeApiBase: stripe.apiBase })}\n`,
);
process.on('SIGTERM', () => {
  void Promise.all([slack.close(), stripe.close()]).then(() => process.exit(0));
});
