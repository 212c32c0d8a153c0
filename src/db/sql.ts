import pg from 'pg';

/**
 * The data layer's own handles. Use cases hold a `Db` and pass the `Tx` of a transaction to the
 * persistence functions; nothing outside `src/db/` and `src/persistence/` sees a driver or an ORM.
 * Persistence speaks plain SQL (FILTER, percentile_cont, SKIP LOCKED and advisory locks are what the
 * queries need), through `pg` directly: one pool (and a small one for session locks), no query builder
 * in between.
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

const asError = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)));

export interface PoolDb extends Db {
  readonly pool: pg.Pool;
  /** The connections that hold session locks (see withSessionLock), apart from `pool`. */
  readonly lockPool: pg.Pool;
  /** Statements sent so far (round trips: GET /metrics and the benchmark report them per event). */
  statements(): number;
  end(): Promise<void>;
}

type Runner = <T extends object>(client: PoolClientLike, text: string, values?: readonly unknown[]) => Promise<T[]>;

/**
 * Session locks live in a key space of their own: PostgreSQL keeps two-key advisory locks
 * (int4, int4) apart from one-key (bigint) ones, so ours (this namespace, hashtext of the name)
 * cannot collide with another user of the database, nor with the migration lock. Any fixed int4
 * works; every instance must use the same one.
 */
const SESSION_LOCK_NAMESPACE = 1_129_534_279;

/**
 * Connections for session locks. Each holder keeps one for its whole run, while its work queries
 * through the main pool, so holders never take the main pool's connections (which would starve, and
 * with enough holders deadlock, the rest of the app). 10 fits every holder one process has at once
 * (the payment-link runner's 4, the sweep's 1, the 4 singleton jobs, one on-demand run), so no
 * holder waits for a connection in normal operation; more wait their turn in order. Connections
 * open on demand and close after 10 s idle.
 */
export const DEFAULT_LOCK_POOL_SIZE = 10;

/** A `Db` over a `pg` pool. */
export function createPoolDb(options: {
  url: string;
  max?: number;
  /** Connections for session locks (default DEFAULT_LOCK_POOL_SIZE). */
  lockPoolSize?: number;
  applicationName?: string;
}): PoolDb {
  const applicationName = options.applicationName ?? 'countersign';
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.max ?? 10,
    application_name: applicationName,
  });
  const lockPool = new pg.Pool({
    connectionString: options.url,
    max: options.lockPoolSize ?? DEFAULT_LOCK_POOL_SIZE,
    application_name: `${applicationName}-locks`,
  });
  // A connection the server drops (a restart, a failover, an operator's pg_terminate_backend) emits
  // 'error': on the pool while idle, on the client while checked out between queries. Unheard, either
  // would crash the process; the work in hand fails with the error instead, and the pool replaces the
  // connection.
  for (const p of [pool, lockPool]) {
    p.on('error', () => undefined);
    p.on('connect', (client) => client.on('error', () => undefined));
  }
  let statements = 0;
  const run: Runner = async (client, text, values) => {
    statements += 1;
    const result = await client.query(text, values as unknown[] | undefined);
    return result.rows;
  };
  const db: PoolDb = {
    pool,
    lockPool,
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
      const client = await lockPool.connect();
      const lock = [SESSION_LOCK_NAMESPACE, key];
      let locked: boolean;
      try {
        const [row] = await run<{ locked: boolean }>(
          client,
          'SELECT pg_try_advisory_lock($1::int4, hashtext($2)) AS locked',
          lock,
        );
        locked = row?.locked === true;
      } catch (error) {
        client.release(asError(error));
        throw error;
      }
      if (!locked) {
        client.release();
        return { ran: false };
      }
      try {
        return { ran: true, value: await work() };
      } finally {
        // If the unlock fails, the work's outcome stands: the connection is closed instead of pooled,
        // and the lock dies with it (never left held by an idle pooled connection).
        const failed = await run<{ unlocked: boolean }>(
          client,
          'SELECT pg_advisory_unlock($1::int4, hashtext($2)) AS unlocked',
          lock,
        ).then(
          ([row]) => (row?.unlocked ? undefined : new Error(`session lock ${key} was not held at unlock`)),
          asError,
        );
        client.release(failed);
      }
    },
    end: async () => {
      await Promise.all([pool.end(), lockPool.end()]);
    },
  };
  return db;
}
