import type { Queryable } from '../db/sql.js';
import type { Actor } from '../domain/charge-request.js';
import { toJson } from './json.js';

export interface AuditInput {
  readonly chargeRequestId: string | null;
  readonly actor: Actor;
  readonly action: string;
  readonly fromStatus?: string | null;
  readonly toStatus?: string | null;
  readonly version?: number | null;
  readonly details?: Record<string, unknown>;
  /** When it happened, by the app's clock (deps.clock.now()); the database's time when unset. */
  readonly at?: Date;
}

export interface AuditEvent {
  readonly id: string;
  readonly chargeRequestId: string | null;
  readonly actor: Actor;
  readonly action: string;
  readonly fromStatus: string | null;
  readonly toStatus: string | null;
  readonly version: number | null;
  readonly details: Record<string, unknown>;
  readonly createdAt: Date;
}

/** Appends one event to the audit trail (the table refuses updates and deletes). */
export async function appendAudit(db: Queryable, event: AuditInput): Promise<void> {
  await db.query(
    `INSERT INTO audit_events (charge_request_id, actor, action, from_status, to_status, version, details, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, coalesce($8::timestamptz, now()))`,
    [
      event.chargeRequestId,
      event.actor,
      event.action,
      event.fromStatus ?? null,
      event.toStatus ?? null,
      event.version ?? null,
      toJson(event.details ?? {}),
      event.at ?? null,
    ],
  );
}

/** The trail of one request, oldest first. */
export async function listAudit(db: Queryable, chargeRequestId: string): Promise<AuditEvent[]> {
  const rows = await db.query<{
    id: string;
    charge_request_id: string | null;
    actor: string;
    action: string;
    from_status: string | null;
    to_status: string | null;
    version: number | null;
    details: Record<string, unknown>;
    created_at: Date;
  }>('SELECT * FROM audit_events WHERE charge_request_id = $1 ORDER BY id', [chargeRequestId]);
  return rows.map((r) => ({
    id: String(r.id),
    chargeRequestId: r.charge_request_id,
    actor: r.actor,
    action: r.action,
    fromStatus: r.from_status,
    toStatus: r.to_status,
    version: r.version,
    details: r.details,
    createdAt: r.created_at,
  }));
}

/** What the edit that produced `version` changed (for the card), or nothing for version 1. */
export async function findEditChanges(
  db: Queryable,
  chargeRequestId: string,
  version: number,
): Promise<{ field: string; from: string; to: string }[]> {
  if (version <= 1) return [];
  const rows = await db.query<{ details: { changes?: { field: string; from: string; to: string }[] } }>(
    `SELECT details FROM audit_events WHERE charge_request_id = $1 AND action = 'edit' AND version = $2
     ORDER BY id DESC LIMIT 1`,
    [chargeRequestId, version],
  );
  return rows[0]?.details.changes ?? [];
}

/** The Slack user who last acted on a request (a click, a command, a proposal), if any did. */
export async function findLastPersonActor(db: Queryable, chargeRequestId: string): Promise<string | undefined> {
  const rows = await db.query<{ actor: string }>(
    `SELECT actor FROM audit_events WHERE charge_request_id = $1 AND actor ~ '^[UW][A-Z0-9]{2,}$'
     ORDER BY id DESC LIMIT 1`,
    [chargeRequestId],
  );
  return rows[0]?.actor;
}
