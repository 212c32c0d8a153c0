import { openDatabase } from './db/database.js';
import { configOrExit, processLogger } from './process.js';

/**
 * `npm run migrate` (in an image: `node dist/src/migrate.js`): applies pending migrations and exits,
 * for a deploy step that runs before new instances start. Instances still migrate at startup (under
 * the same advisory lock), so skipping this step is safe too. Exit code 0 when the schema is current.
 */
const config = configOrExit();
const logger = processLogger(config);
try {
  const database = await openDatabase(
    { databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 1 },
    logger,
  );
  const ready = await database.isReady();
  await database.close();
  if (!ready) throw new Error('migrations ran, but the schema is still not current');
  logger.info('database schema is current');
  // Explicitly, as main.ts does: the embedded database's exit hook must not run on a natural exit.
  process.exit(0);
} catch (error) {
  logger.fatal({ err: error }, 'migrations failed');
  process.exit(1);
}
