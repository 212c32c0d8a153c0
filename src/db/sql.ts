import pg from 'pg';

/**
 * The data layer's own handles. Use cases hold a `Db` and pass the `Tx` of a transaction to the
 * persistence functions; nothing outside `src/db/` and `src/persistence/` sees a driver or an ORM.
 * Persistence speaks plain SQL (FILTER, percentile_cont, SKIP LOCKED and advisory locks are what the
 * queries need), through `pg` directly: one pool, no query builder in between.
 */
export interface Queryable {
  /** Runs one parameterised statement and returns its rows. */
  query<T extends object = Record<string, unknown>>(text: string, values?: readonly unknown[]): Promise<T[]>;
}

/** A statement runner that can also start a transaction. */
export interface Db extends Queryable {
  /** Runs `work` in a transaction: committed if it resolves, rolled back if it throws. */
  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
  /**
   * Runs `work` while holding the session-level advisory lock `key` on a connection of its own, or
   * returns `{ ran: false }` at once when another session (another instance) holds it.
   */
  withSessionLock<T>(key: string, work: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }>;
}

/** Inside a transaction. Starting a transaction from here joins the current one. */
export interface Tx extends Db {
  readonly inTransaction: true;
}

// int8 (bigint columns, count(*), sum()) arrives as text by default, which keeps amounts exact: the
// mappers in persistence/ turn them into bigint, never into a JavaScript number.
type PoolClientLike = Pick<pg.PoolClient, 'query'>;

function txOf(client: pg.PoolClient, pool: PoolDb, run: Runner): Tx {
  const tx: Tx = {
    inTransaction: true,
    query: (text, values) => run(client, text, values),
    transaction: (work) => work(tx),
    withSessionLock: (key, work) => pool.withSessionLock(key, work),
  };
  return tx;
}

export interface PoolDb extends Db {
  readonly pool: pg.Pool;
  /** Statements sent so far (round trips: GET /metrics and the benchmark report them per event). */
  statements(): number;
  end(): Promise<void>;
}

type Runner = <T extends object>(client: PoolClientLike, text: string, values?: readonly unknown[]) => Promise<T[]>;

/** A `Db` over a `pg` pool. */
export function createPoolDb(options: { url: string; max?: number; applicationName?: string }): PoolDb {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'countersign',
  });
  // A connection the server drops (a restart, a failover, an operator's pg_terminate_backend) emits
  // 'error': on the pool while idle, on the client while checked out between queries. Unheard, either
  // would crash the process; the work in hand fails with the error instead, and the pool replaces the
  // connection.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  let statements = 0;
  const run: Runner = async (client, text, values) => {
    statements += 1;
    const result = await client.query(text, values as unknown[] | undefined);
    return result.rows;
  };
  const db: PoolDb = {
    pool,
    statements: () => statements,
    query: (text, values) => run(pool, text, values),
    async transaction(work) {
      const client = await pool.connect();
      let broken: unknown;
      try {
        await run(client, 'BEGIN');
        const value = await work(txOf(client, db, run));
        await run(client, 'COMMIT');
        return value;
      } catch (error) {
        await client.query('ROLLBACK').catch((rollbackError: unknown) => {
          broken = rollbackError;
        });
        throw error;
      } finally {
        // A connection that could not roll back is not returned to the pool.
        client.release(broken instanceof Error ? broken : undefined);
      }
    },
    async withSessionLock(key, work) {
      const client = await pool.connect();
      try {
        const [row] = await run<{ locked: boolean }>(client, 'SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [
          key,
        ]);
        if (!row?.locked) return { ran: false };
        try {
          return { ran: true, value: await work() };
        } finally {
          await client.query('SELECT pg_advisory_unlock(hashtext($1))', [key]);
        }
      } finally {
        client.release();
      }
    },
    end: () => pool.end(),
  };
  return db;
}
