import type { DataSource } from 'typeorm';
import type { Logger } from '../logger.js';
import { createDataSource } from './data-source.js';
import { type EmbeddedDatabase, startEmbeddedPostgres } from './embedded.js';

export interface Database {
  readonly dataSource: DataSource;
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
  const dataSource = createDataSource(url, { poolSize: options.poolSize });
  try {
    await dataSource.initialize();
    await runMigrations(dataSource, logger);
  } catch (error) {
    if (dataSource.isInitialized) await dataSource.destroy();
    await embedded?.stop();
    throw error;
  }
  return {
    dataSource,
    async isReady() {
      try {
        await dataSource.query('SELECT 1');
        return !(await dataSource.showMigrations());
      } catch {
        return false;
      }
    },
    async close() {
      if (dataSource.isInitialized) await dataSource.destroy();
      await embedded?.stop();
    },
  };
}

async function runMigrations(dataSource: DataSource, logger: Logger): Promise<void> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    if (applied.length > 0) logger.info({ migrations: applied.map((m) => m.name) }, 'applied migrations');
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await runner.release();
  }
}
