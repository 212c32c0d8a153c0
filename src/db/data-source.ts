import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../../migrations/index.js';
import { ENTITIES } from './entities.js';

/**
 * TypeORM's only job here: the schema. The entity schemas describe the tables (so
 * `npm run migration:generate` can diff them) and the reviewed migrations change them; queries go
 * through `db/sql.ts`. `synchronize` stays off.
 */
export function createDataSource(url: string, options: { poolSize?: number; applicationName?: string } = {}) {
  return new DataSource({
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    // gen_random_uuid() is built into PostgreSQL 13+: no extension to install, no superuser needed.
    uuidExtension: 'pgcrypto',
    installExtensions: false,
    logging: false,
    poolSize: options.poolSize ?? 2,
    applicationName: options.applicationName ?? 'countersign-schema',
  });
}

/** Every migration's name, as TypeORM records it in the `migrations` table once applied. */
export const MIGRATION_NAMES: readonly string[] = MIGRATIONS.map((Migration) => new Migration().name ?? Migration.name);
