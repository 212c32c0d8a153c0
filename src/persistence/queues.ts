import type { Queryable } from '../db/sql.js';
import { INBOX_CHANNEL, OUTBOX_CHANNEL } from './channels.js';

/**
 * Both queues seen from the operator's side: their health, their dead letters, and what an admin
 * does with a dead letter. Ages are measured with the database clock, the same clock that stamps
 * and schedules the rows.
 */

export type QueueName = 'outbox' | 'inbox';

/** Queue health and requests per status, read from the database (shared by every instance). */
export interface OperationsSnapshot {
  readonly outbox: QueueHealth;
  readonly inbox: QueueHealth;
  /** Requests per status; statuses with none may be missing. */
  readonly requests: Readonly<Record<string, number>>;
}

export interface QueueHealth {
  /** Items waiting (pending, including those waiting for a retry). */
  readonly depth: number;
  /** Age of the oldest waiting item in seconds (0 when none waits). */
  readonly oldestAgeSeconds: number;
  /** Items that used up their attempts and wait for an operator. */
  readonly dead: number;
}

/** Statuses a row has when the queue is done with it: kept for QUEUE_RETENTION, then deleted. */
const FINISHED = { outbox: ['delivered', 'discarded'], inbox: ['processed', 'discarded'] } as const;

export interface DeadLetter {
  readonly queue: QueueName;
  /** The outbox row id or the Stripe event id. */
  readonly id: string;
  /** The outbox item kind (post_card, thread_reply, …) or the Stripe event type. */
  readonly kind: string;
  /** The request it concerns, when one can be told. */
  readonly requestId: string | null;
  readonly requestNumber: number | null;
  /** The last error as stored (a Slack error code such as channel_not_found, or the failure). */
  readonly lastError: string | null;
  readonly attempts: number;
  /** When it was queued (outbox) or received (inbox). */
  readonly queuedAt: Date;
}

interface HealthRow {
  depth: string;
  oldest: string | null;
  dead: string;
}

const health = (row: HealthRow | undefined): QueueHealth => ({
  depth: Number(row?.depth ?? 0),
  oldestAgeSeconds: Math.max(0, Number(row?.oldest ?? 0)),
  dead: Number(row?.dead ?? 0),
});

/** Depth, oldest age and dead count of both queues, and requests per status: one round trip. */
export async function readOperationsSnapshot(db: Queryable): Promise<OperationsSnapshot> {
  const [row] = await db.query<{ outbox: HealthRow; inbox: HealthRow; requests: Record<string, string> | null }>(
    `SELECT
       (SELECT json_build_object(
          'depth', count(*) FILTER (WHERE status = 'pending'),
          'oldest', extract(epoch FROM now() - min(created_at) FILTER (WHERE status = 'pending')),
          'dead', count(*) FILTER (WHERE status = 'dead'))
        FROM slack_outbox WHERE status IN ('pending', 'dead')) AS outbox,
       (SELECT json_build_object(
          'depth', count(*) FILTER (WHERE status = 'pending'),
          'oldest', extract(epoch FROM now() - min(received_at) FILTER (WHERE status = 'pending')),
          'dead', count(*) FILTER (WHERE status = 'dead'))
        FROM stripe_events WHERE status IN ('pending', 'dead')) AS inbox,
       (SELECT json_object_agg(status, n) FROM (SELECT status, count(*) AS n FROM charge_requests GROUP BY status) s)
         AS requests`,
  );
  const requests: Record<string, number> = {};
  for (const [status, n] of Object.entries(row?.requests ?? {})) requests[status] = Number(n);
  return { outbox: health(row?.outbox), inbox: health(row?.inbox), requests };
}

interface DeadRow {
  id: string;
  kind: string;
  request_id: string | null;
  number: number | null;
  last_error: string | null;
  attempts: number;
  queued_at: Date;
}

const toDeadLetter =
  (queue: QueueName) =>
  (r: DeadRow): DeadLetter => ({
    queue,
    id: String(r.id),
    kind: r.kind,
    requestId: r.request_id,
    requestNumber: r.number,
    lastError: r.last_error,
    attempts: r.attempts,
    queuedAt: r.queued_at,
  });

/**
 * The request a Stripe event concerns: recorded when it was applied, else found the way applying
 * would find it (the payment link, or our metadata on the object).
 */
const EVENT_REQUEST = `COALESCE(
  e.charge_request_id,
  (SELECT c.id FROM charge_requests c WHERE c.payment_link_id = e.payload #>> '{data,object,payment_link}'),
  (SELECT c.id FROM charge_requests c WHERE c.id = CASE
     WHEN e.payload #>> '{data,object,metadata,countersign_request_id}' ~* '^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$'
     THEN (e.payload #>> '{data,object,metadata,countersign_request_id}')::uuid END))`;

/** Dead letters of both queues, oldest first, at most `limit` of each. */
export async function listDeadLetters(db: Queryable, limit: number): Promise<DeadLetter[]> {
  const outbox = await db.query<DeadRow>(
    `SELECT o.id, o.kind, r.id AS request_id, r.number, o.last_error, o.attempts, o.created_at AS queued_at
     FROM slack_outbox o LEFT JOIN charge_requests r ON r.id::text = o.payload ->> 'requestId'
     WHERE o.status = 'dead' ORDER BY o.id LIMIT $1`,
    [limit],
  );
  const inbox = await db.query<DeadRow>(
    `SELECT e.id, e.type AS kind, r.id AS request_id, r.number, e.last_error, e.attempts, e.received_at AS queued_at
     FROM stripe_events e LEFT JOIN charge_requests r ON r.id = ${EVENT_REQUEST}
     WHERE e.status = 'dead' ORDER BY e.received_at, e.id LIMIT $1`,
    [limit],
  );
  return [...outbox.map(toDeadLetter('outbox')), ...inbox.map(toDeadLetter('inbox'))];
}

/**
 * Moves one dead letter back to pending with fresh attempts, due now, and wakes every instance's
 * worker with the commit. Compare-and-set on `dead`: a second click (or another admin) gets
 * undefined and changes nothing.
 */
export async function reviveDeadLetter(db: Queryable, queue: QueueName, id: string): Promise<DeadLetter | undefined> {
  const rows =
    queue === 'outbox'
      ? await db.query<DeadRow>(
          `WITH dead AS (SELECT id, attempts FROM slack_outbox WHERE id = $1 AND status = 'dead' FOR UPDATE),
           revived AS (
             UPDATE slack_outbox o SET status = 'pending', attempts = 0, next_attempt_at = now()
             FROM dead WHERE o.id = dead.id AND o.status = 'dead' RETURNING o.*, dead.attempts AS attempts_used)
           SELECT o.id, o.kind, r.id AS request_id, r.number, o.last_error, o.attempts_used AS attempts,
             o.created_at AS queued_at,
             pg_notify($2, '') AS notified
           FROM revived o LEFT JOIN charge_requests r ON r.id::text = o.payload ->> 'requestId'`,
          [outboxId(id), OUTBOX_CHANNEL],
        )
      : await db.query<DeadRow>(
          `WITH dead AS (SELECT id, attempts FROM stripe_events WHERE id = $1 AND status = 'dead' FOR UPDATE),
           revived AS (
             UPDATE stripe_events e SET status = 'pending', attempts = 0, next_attempt_at = now()
             FROM dead WHERE e.id = dead.id AND e.status = 'dead' RETURNING e.*, dead.attempts AS attempts_used)
           SELECT e.id, e.type AS kind, r.id AS request_id, r.number, e.last_error, e.attempts_used AS attempts,
             e.received_at AS queued_at, pg_notify($2, '') AS notified
           FROM revived e LEFT JOIN charge_requests r ON r.id = ${EVENT_REQUEST}`,
          [id, INBOX_CHANNEL],
        );
  return rows.map(toDeadLetter(queue))[0];
}

/** Takes one dead letter off the dead list for good (kept as `discarded` until retention). Compare-and-set on `dead`. */
export async function discardDeadLetter(db: Queryable, queue: QueueName, id: string): Promise<DeadLetter | undefined> {
  const rows =
    queue === 'outbox'
      ? await db.query<DeadRow>(
          `WITH gone AS (UPDATE slack_outbox SET status = 'discarded' WHERE id = $1 AND status = 'dead' RETURNING *)
           SELECT o.id, o.kind, r.id AS request_id, r.number, o.last_error, o.attempts, o.created_at AS queued_at
           FROM gone o LEFT JOIN charge_requests r ON r.id::text = o.payload ->> 'requestId'`,
          [outboxId(id)],
        )
      : await db.query<DeadRow>(
          `WITH gone AS (UPDATE stripe_events SET status = 'discarded' WHERE id = $1 AND status = 'dead' RETURNING *)
           SELECT e.id, e.type AS kind, r.id AS request_id, r.number, e.last_error, e.attempts,
             e.received_at AS queued_at
           FROM gone e LEFT JOIN charge_requests r ON r.id = ${EVENT_REQUEST}`,
          [id],
        );
  return rows.map(toDeadLetter(queue))[0];
}

/** Outbox ids are bigints; anything else matches no row (rather than failing the cast). */
const outboxId = (id: string): string => (/^\d{1,18}$/.test(id) ? id : '0');

/**
 * Deletes up to `batch` rows the queue is done with (delivered, processed or discarded) that finished
 * before `cutoff`; pending and dead rows are never touched. SKIP LOCKED keeps it out of the workers'
 * way. Returns how many went; call again until it returns less than `batch`.
 */
export async function purgeFinishedRows(db: Queryable, queue: QueueName, cutoff: Date, batch: number): Promise<number> {
  const rows =
    queue === 'outbox'
      ? await db.query(
          `DELETE FROM slack_outbox WHERE id IN (
             SELECT id FROM slack_outbox WHERE status = ANY($1) AND coalesce(delivered_at, created_at) < $2
             ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED)
           RETURNING id`,
          [FINISHED.outbox, cutoff, batch],
        )
      : await db.query(
          `DELETE FROM stripe_events WHERE id IN (
             SELECT id FROM stripe_events WHERE status = ANY($1) AND coalesce(processed_at, received_at) < $2
             ORDER BY received_at LIMIT $3 FOR UPDATE SKIP LOCKED)
           RETURNING id`,
          [FINISHED.inbox, cutoff, batch],
        );
  return rows.length;
}
