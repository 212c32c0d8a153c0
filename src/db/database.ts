import type { Logger } from '../logger.js';
import { createDataSource, MIGRATION_NAMES } from './data-source.js';
import { type EmbeddedDatabase, startEmbeddedPostgres } from './embedded.js';
import { createPoolDb, type PoolDb } from './sql.js';

export interface Database {
  readonly db: PoolDb;
  /** The connection URL (the embedded server's when DATABASE_URL is unset). */
  readonly url: string;
  /** True when the database answers and every migration in `migrations/` is applied. */
  isReady(): Promise<boolean>;
  close(): Promise<void>;
}

// Any fixed number works; every instance must use the same one.
const MIGRATION_LOCK_KEY = 4_207_310_001;

export interface DatabaseOptions {
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  readonly poolSize?: number;
  readonly applicationName?: string;
  /** Apply pending migrations before returning (default). `npm run migrate` and tests may turn it off. */
  readonly migrate?: boolean;
}

/**
 * Connects to `databaseUrl`, or starts the embedded PostgreSQL when it is unset, then applies pending
 * migrations. Instances that start together take turns through an advisory lock, so a migration
 * never runs twice.
 */
export async function openDatabase(options: DatabaseOptions, logger: Logger): Promise<Database> {
  const { url, embedded }: { url: string; embedded?: EmbeddedDatabase } = options.databaseUrl
    ? { url: options.databaseUrl }
    : await startEmbeddedPostgres(options.dataDir, logger).then((db) => ({ url: db.url, embedded: db }));
  const db = createPoolDb({ url, max: options.poolSize, applicationName: options.applicationName });
  try {
    if (options.migrate !== false) await runMigrations(url, logger);
  } catch (error) {
    await db.end();
    await embedded?.stop();
    throw error;
  }
  let closed = false;
  return {
    db,
    url,
    async isReady() {
      try {
        const rows = await db.query<{ name: string }>('SELECT name FROM migrations');
        const applied = new Set(rows.map((r) => r.name));
        return MIGRATION_NAMES.every((name) => applied.has(name));
      } catch {
        return false;
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await db.end();
      await embedded?.stop();
    },
  };
}

/**
 * Applies every pending migration through TypeORM (which keeps the `migrations` table), holding an
 * advisory lock so instances starting together take turns. Returns the names applied.
 */
export async function runMigrations(url: string, logger: Logger): Promise<string[]> {
  const dataSource = createDataSource(url, { poolSize: 2, applicationName: 'countersign-migrate' });
  await dataSource.initialize();
  const runner = dataSource.createQueryRunner();
  try {
    await runner.connect();
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    const names = applied.map((m) => m.name);
    if (names.length > 0) logger.info({ migrations: names }, 'applied migrations');
    return names;
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await runner.release();
    await dataSource.destroy();
  }
}

/** Undoes the most recent migration (tests of readiness, `npm run migration:revert`). */
export async function revertLastMigration(url: string): Promise<void> {
  const dataSource = createDataSource(url, { poolSize: 2, applicationName: 'countersign-migrate' });
  await dataSource.initialize();
  try {
    await dataSource.undoLastMigration({ transaction: 'each' });
  } finally {
    await dataSource.destroy();
  }
}
