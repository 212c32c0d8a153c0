import { describe, expect, test } from '@jest/globals';
import { createKeyedRunner } from '../../src/jobs/keyed-runner.js';
import { silentLogger } from '../support/database.js';
import { eventually } from '../support/http-fake.js';
import { capturingLogger } from '../support/logs.js';

/** A task whose runs the test starts and ends by hand: each call waits until the test finishes it. */
function heldTask() {
  const runs: { key: string; finish: () => void }[] = [];
  const task = (key: string) =>
    new Promise<void>((resolve) => {
      runs.push({ key, finish: resolve });
    });
  return { task, runs };
}

describe('createKeyedRunner', () => {
  test('when a key is asked for again while its task runs, then the task runs once more afterwards, never twice at once', async () => {
    const { task, runs } = heldTask();
    const runner = createKeyedRunner('test', task, { concurrency: 4, logger: silentLogger });
    runner.run('a');
    await eventually(() => runs[0], 'first run');
    // Three wake-ups while it runs (the change they announce may come after the run read the state).
    runner.run('a');
    runner.run('a');
    runner.run('a');
    expect(runs).toHaveLength(1);

    runs[0]?.finish();
    await eventually(() => runs[1], 'the rerun');
    expect(runs.map((r) => r.key)).toEqual(['a', 'a']);
    runs[1]?.finish();
    await runner.stop(1_000);
    expect(runs).toHaveLength(2);
  });

  test('when a key is asked for several times before its task starts, then it runs once', async () => {
    const { task, runs } = heldTask();
    const runner = createKeyedRunner('test', task, { concurrency: 1, logger: silentLogger });
    runner.run('a');
    runner.run('b');
    runner.run('b');
    await eventually(() => runs[0], 'a runs');
    runner.run('b');
    runs[0]?.finish();
    await eventually(() => runs[1], 'b runs');
    runs[1]?.finish();
    await runner.stop(1_000);
    expect(runs.map((r) => r.key)).toEqual(['a', 'b']);
  });

  test('when a task fails, then it is logged and the key can run again', async () => {
    const { logger, lines } = capturingLogger();
    let calls = 0;
    const runner = createKeyedRunner(
      'links',
      async () => {
        calls += 1;
        throw new Error('boom');
      },
      { concurrency: 1, logger },
    );
    runner.run('a');
    await eventually(() => (lines().some((l) => l.msg === 'task failed') ? true : undefined), 'failure logged');
    runner.run('a');
    await eventually(() => (calls === 2 ? true : undefined), 'second run');
    await runner.stop(1_000);
    expect(lines().find((l) => l.msg === 'task failed')).toMatchObject({ job: 'links', key: 'a' });
  });

  test('when stopped with tasks waiting, then it waits only for the running ones and the waiting ones never run', async () => {
    const { task, runs } = heldTask();
    const runner = createKeyedRunner('test', task, { concurrency: 1, logger: silentLogger });
    for (const key of ['a', 'b', 'c']) runner.run(key);
    await eventually(() => runs[0], 'a runs');

    let stopped = false;
    const stopping = runner.stop(60_000).then(() => {
      stopped = true;
    });
    runs[0]?.finish();
    // Well before the minute: nothing else is running.
    await eventually(() => (stopped ? true : undefined), 'stop resolves', 5_000);
    await stopping;
    runner.run('d');
    expect(runs.map((r) => r.key)).toEqual(['a']);
  });

  test('when a running task never ends, then stop gives up after its timeout and says which job', async () => {
    const { logger, lines } = capturingLogger();
    const runner = createKeyedRunner('payment-links', () => new Promise<void>(() => undefined), {
      concurrency: 2,
      logger,
    });
    runner.run('a');
    const started = Date.now();
    await runner.stop(100);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(lines().find((l) => l.level === 'warn')).toMatchObject({ job: 'payment-links', running: 1 });
  });
});
