import { expect, test } from '@jest/globals';
import { startPeriodic } from '../../src/jobs/periodic.js';
import { eventually } from '../support/http-fake.js';
import { capturingLogger } from '../support/logs.js';

test('when a run never ends, then stop gives up after its timeout and a warning names the job', async () => {
  const { logger, lines } = capturingLogger();
  let runs = 0;
  const job = startPeriodic(
    'reconcile-payments',
    10,
    () => {
      runs += 1;
      return new Promise<void>(() => undefined);
    },
    logger,
  );
  await eventually(() => (runs === 1 ? true : undefined), 'the run started');
  const started = Date.now();
  await job.stop(100);
  expect(Date.now() - started).toBeLessThan(5_000);
  expect(lines().find((l) => l.level === 'warn')).toMatchObject({ job: 'reconcile-payments', timeoutMs: 100 });
  expect(runs).toBe(1);
});

test('when a run finishes in time, then stop waits for it, says nothing, and nothing runs after', async () => {
  const { logger, lines } = capturingLogger();
  let finish = () => {};
  let runs = 0;
  const job = startPeriodic(
    'queue-retention',
    10,
    () => {
      runs += 1;
      return new Promise<void>((resolve) => {
        finish = resolve;
      });
    },
    logger,
  );
  await eventually(() => (runs === 1 ? true : undefined), 'the run started');
  let stopped = false;
  const stopping = job.stop(60_000).then(() => {
    stopped = true;
  });
  expect(stopped).toBe(false);
  finish();
  await stopping;
  expect(lines()).toEqual([]);
  expect(runs).toBe(1);
});
