import { createDataSource } from './data-source.js';

/**
 * Entry for the TypeORM CLI (`npm run migration:generate|run|revert`), which loads a module whose
 * default export is a DataSource. Point `DATABASE_URL` at the database to compare or migrate; for the
 * embedded database, `npm start` logs its port.
 */
const url = process.env.DATABASE_URL;
if (!url) {
  console.error('Set DATABASE_URL to the database the migration command should use.');
  process.exit(1);
}
export default createDataSource(url);
