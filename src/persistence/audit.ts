import type { EntityManager } from 'typeorm';
import { AuditEventEntity, type AuditEventRow } from '../db/entities.js';
import type { Actor } from '../domain/charge-request.js';

export interface AuditInput {
  readonly chargeRequestId: string | null;
  readonly actor: Actor;
  readonly action: string;
  readonly fromStatus?: string | null;
  readonly toStatus?: string | null;
  readonly version?: number | null;
  readonly details?: Record<string, unknown>;
}

export type AuditEvent = Omit<AuditEventRow, 'chargeRequest'>;

/** JSON for jsonb columns; bigint amounts become exact decimal strings instead of throwing. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

/** Appends one event to the audit trail (the table refuses updates and deletes). */
export async function appendAudit(manager: EntityManager, event: AuditInput): Promise<void> {
  await manager.query(
    `INSERT INTO audit_events (charge_request_id, actor, action, from_status, to_status, version, details)
     VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)`,
    [
      event.chargeRequestId,
      event.actor,
      event.action,
      event.fromStatus ?? null,
      event.toStatus ?? null,
      event.version ?? null,
      toJson(event.details ?? {}),
    ],
  );
}

/** The trail of one request, oldest first. */
export async function listAudit(manager: EntityManager, chargeRequestId: string): Promise<AuditEvent[]> {
  const rows = await manager.find(AuditEventEntity, {
    where: { chargeRequestId },
    order: { id: 'ASC' },
  });
  return rows.map(({ chargeRequest: _relation, ...event }) => event);
}

/** What the edit that produced `version` changed (for the card), or nothing for version 1. */
export async function findEditChanges(
  manager: EntityManager,
  chargeRequestId: string,
  version: number,
): Promise<{ field: string; from: string; to: string }[]> {
  if (version <= 1) return [];
  const rows: { details: { changes?: { field: string; from: string; to: string }[] } }[] = await manager.query(
    `SELECT details FROM audit_events WHERE charge_request_id = $1 AND action = 'edit' AND version = $2
     ORDER BY id DESC LIMIT 1`,
    [chargeRequestId, version],
  );
  return rows[0]?.details.changes ?? [];
}
