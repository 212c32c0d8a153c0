import type { Queryable, Tx } from '../db/sql.js';
import type { Delegation } from '../domain/delegation.js';

interface Row {
  id: string;
  delegator_id: string;
  delegate_id: string;
  starts_at: Date;
  ends_at: Date;
  reason: string | null;
}

const toDelegation = (r: Row): Delegation => ({
  id: r.id,
  delegatorId: r.delegator_id,
  delegateId: r.delegate_id,
  startsAt: r.starts_at,
  endsAt: r.ends_at,
  reason: r.reason,
});

/** In force at `$1`: started, not ended, not revoked. */
const ACTIVE = 'revoked_at IS NULL AND starts_at <= $1 AND ends_at > $1';

/**
 * Delegations change one at a time, on any instance (a transaction-scoped advisory lock): the checks
 * "one delegation per approver" and "one approver per delegate" then hold against concurrent commands.
 */
export async function lockDelegations(tx: Tx): Promise<void> {
  await tx.query("SELECT pg_advisory_xact_lock(hashtext('countersign:delegations'))");
}

/** The delegation `delegatorId` has handed out and that is in force at `at`, if any. */
export async function findDelegationBy(db: Queryable, delegatorId: string, at: Date): Promise<Delegation | undefined> {
  const rows = await db.query<Row>(
    `SELECT * FROM approval_delegations WHERE ${ACTIVE} AND delegator_id = $2 ORDER BY created_at DESC LIMIT 1`,
    [at, delegatorId],
  );
  return rows[0] && toDelegation(rows[0]);
}

/**
 * The delegation `delegateId` holds at `at`, if any. Inside a decision's transaction, `lock` keeps
 * it from being turned off until the decision commits (the decision and "delegate off" are ordered).
 */
export async function findDelegationTo(
  db: Queryable,
  delegateId: string,
  at: Date,
  options: { lock?: boolean } = {},
): Promise<Delegation | undefined> {
  const rows = await db.query<Row>(
    `SELECT * FROM approval_delegations WHERE ${ACTIVE} AND delegate_id = $2 ORDER BY created_at LIMIT 1${options.lock ? ' FOR SHARE' : ''}`,
    [at, delegateId],
  );
  return rows[0] && toDelegation(rows[0]);
}

/** Every delegation in force at `at`, ending soonest first. */
export async function listActiveDelegations(db: Queryable, at: Date): Promise<Delegation[]> {
  const rows = await db.query<Row>(`SELECT * FROM approval_delegations WHERE ${ACTIVE} ORDER BY ends_at, id`, [at]);
  return rows.map(toDelegation);
}

export async function insertDelegation(
  tx: Tx,
  input: Omit<Delegation, 'id'> & { createdAt: Date },
): Promise<Delegation> {
  const [row] = await tx.query<Row>(
    `INSERT INTO approval_delegations (delegator_id, delegate_id, starts_at, ends_at, reason, created_at)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
    [input.delegatorId, input.delegateId, input.startsAt, input.endsAt, input.reason, input.createdAt],
  );
  if (!row) throw new Error('INSERT … RETURNING returned no row');
  return toDelegation(row);
}

/** Ends a delegation early (turned off or replaced). Returns false if it had already ended. */
export async function revokeDelegation(tx: Tx, id: string, by: string, at: Date): Promise<boolean> {
  const rows = await tx.query(
    'UPDATE approval_delegations SET revoked_at = $3, revoked_by = $2 WHERE id = $1 AND revoked_at IS NULL RETURNING id',
    [id, by, at],
  );
  return rows.length === 1;
}
