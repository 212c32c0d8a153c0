import { afterAll, afterEach } from '@jest/globals';

type Stoppable = { stop(): Promise<void> } | { close(): Promise<void> };

function stopper(register: (fn: () => Promise<void>) => void) {
  const started: Stoppable[] = [];
  register(async () => {
    for (const thing of started.splice(0).reverse()) await ('stop' in thing ? thing.stop() : thing.close());
  });
  return <T extends Stoppable>(thing: T): T => {
    started.push(thing);
    return thing;
  };
}

/**
 * The shared teardown: everything passed to the returned function (apps, fakes, databases) is
 * stopped after each test, last started first, so no test file keeps its own stop list.
 *
 *   const stopLater = stopAfterEach();
 *   const slack = stopLater(await startFakeSlack());
 */
export function stopAfterEach() {
  return stopper((fn) => afterEach(fn));
}

/** Like stopAfterEach, for things a whole file shares (started in beforeAll). */
export function stopAfterAll() {
  return stopper((fn) => afterAll(fn));
}
