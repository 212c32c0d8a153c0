import { afterEach } from '@jest/globals';
import { startTestApp, type TestApp, type TestAppOptions } from './app.js';
import { type FakeSlack, startFakeSlack } from './fake-slack.js';
import { FakeStripe } from './fake-stripe.js';

export interface Services {
  /** Starts an app (an instance) on this test's fakes; options override the file's defaults. */
  start(options?: TestAppOptions): Promise<TestApp>;
  /** Starts this test's fakes without an app (to set them up before the first start()). */
  prepare(): Promise<{ slack: FakeSlack; stripe: FakeStripe }>;
  /** Stops every app and the fakes now; the next start() begins afresh. */
  reset(): Promise<void>;
  /** This test's loopback Slack and Stripe (started by the first start()). */
  readonly slack: FakeSlack;
  readonly stripe: FakeStripe;
}

/**
 * One test file's shared setup and teardown: each test gets loopback Slack and Stripe on its first
 * start(), every app it starts runs on them (a second app is a second instance on the same
 * services), and after the test the apps stop, then the fakes.
 */
export function useServices(defaults: TestAppOptions = {}): Services {
  let fakes: { slack: FakeSlack; stripe: FakeStripe } | undefined;
  const apps: TestApp[] = [];
  const reset = async () => {
    for (const app of apps.splice(0)) await app.stop();
    await fakes?.slack.close();
    await fakes?.stripe.close();
    fakes = undefined;
  };
  afterEach(reset);
  const started = () => {
    if (!fakes) throw new Error('start an app first: the fakes start with it');
    return fakes;
  };
  const prepare = async () => {
    fakes ??= { slack: await startFakeSlack(), stripe: await FakeStripe.start() };
    return fakes;
  };
  return {
    prepare,
    reset,
    async start(options = {}) {
      const app = await startTestApp({
        ...(await prepare()),
        ...defaults,
        ...options,
        env: { ...defaults.env, ...options.env },
      });
      apps.push(app);
      return app;
    },
    get slack() {
      return started().slack;
    },
    get stripe() {
      return started().stripe;
    },
  };
}
