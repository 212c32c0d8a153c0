import type { ChargeRequest } from '../domain/charge-request.js';
import { TRANSITIONS } from '../domain/charge-status.js';
import { formatDuration } from '../domain/duration.js';
import { isWorkingTime, type WorkingHours } from '../domain/working-hours.js';
import { findDueForReminder, type ReminderKind, recordReminderOnce } from '../persistence/approval-reminders.js';
import { listDecisions } from '../persistence/approvals.js';
import { appendAudit } from '../persistence/audit.js';
import { findLinksCreatedBefore, findWaitingSince, markEscalated } from '../persistence/charge-requests.js';
import { enqueue } from '../persistence/outbox.js';
import type { UseCaseDeps } from './deps.js';
import { transitionWithUpdates } from './transition-with-updates.js';

/** What happens to requests as time passes (REMIND_AFTER, ESCALATE_AFTER, …), in milliseconds. */
export interface WorkflowTimers {
  /** 0: no reminders. */
  readonly remindAfterMs: number;
  /** Reminders go out only inside these hours (of the policy's time zone, REPORT_TIMEZONE). */
  readonly workingHours: WorkingHours;
  /** Undefined: nobody to escalate to. */
  readonly escalateAfterMs: number | undefined;
  /** Undefined: undecided requests never expire. */
  readonly requestExpiresAfterMs: number | undefined;
  /** 0: links never expire. */
  readonly linkExpiresAfterMs: number;
}

export interface WorkflowTick {
  readonly expired: number;
  readonly escalated: number;
  readonly reminded: number;
  readonly linksExpired: number;
}

/** Each kind of due work handled per run; the rest follows at the next run. */
const BATCH = 100;
/** Waiting for an approver's decision: what expiry, escalation and reminders look at. */
const WAITING = TRANSITIONS.expire.from;

/**
 * One look at the clock: expire requests nobody decided, escalate and remind those still waiting,
 * expire unpaid links. Every step is idempotent and guarded in the database (compare-and-set moves,
 * one reminder per request, wait and period), so a run repeated after a crash, or overlapping with
 * another instance's, changes nothing twice. A timeout never approves anything.
 */
export async function runWorkflowTimers(deps: UseCaseDeps, timers: WorkflowTimers): Promise<WorkflowTick> {
  const now = deps.clock.now();
  return {
    expired: await expireRequests(deps, timers, now),
    escalated: await escalate(deps, timers, now),
    reminded: await remind(deps, timers, now),
    linksExpired: await expireLinks(deps, timers, now),
  };
}

const ago = (now: Date, ms: number) => new Date(now.getTime() - ms);

/** REQUEST_EXPIRES_AFTER: an undecided request closes as expired; the requester is told in the thread. */
async function expireRequests(deps: UseCaseDeps, timers: WorkflowTimers, now: Date): Promise<number> {
  const ms = timers.requestExpiresAfterMs;
  if (ms === undefined) return 0;
  const after = formatDuration(ms);
  let expired = 0;
  for (const request of await findWaitingSince(deps.db, WAITING, ago(now, ms), BATCH)) {
    const moved = await transitionWithUpdates(
      deps.db,
      {
        id: request.id,
        action: 'expire',
        expected: { status: request.status, version: request.version },
        actor: 'system',
        at: now,
        changes: { closedAt: now },
        details: { after, waitingSince: request.awaitingApprovalSince.toISOString() },
      },
      [{ type: 'expired', after }],
    );
    if (moved.ok) expired += 1;
  }
  return expired;
}

/** ESCALATE_AFTER: the escalation contacts get the card by DM, once per wait, and may then decide it. */
async function escalate(deps: UseCaseDeps, timers: WorkflowTimers, now: Date): Promise<number> {
  const ms = timers.escalateAfterMs;
  if (ms === undefined) return 0;
  const due = await findWaitingSince(deps.db, WAITING, ago(now, ms), BATCH, { notEscalated: true });
  if (due.length === 0) return 0;
  const contacts = await deps.approvers.escalationContacts();
  let escalated = 0;
  for (const request of due) {
    const recipients = contacts.filter((u) => u !== request.requesterId);
    const sent = await notifyOnce(deps, request, { kind: 'escalation', period: 1, recipients, now, after: ms });
    if (sent) escalated += 1;
  }
  return escalated;
}

/**
 * REMIND_AFTER: approvers who have not acted on the current version get a new DM with the card, at
 * most once per period of the wait, and only inside working hours.
 */
async function remind(deps: UseCaseDeps, timers: WorkflowTimers, now: Date): Promise<number> {
  const ms = timers.remindAfterMs;
  if (ms === 0 || !isWorkingTime(timers.workingHours, now, deps.policy.timezone)) return 0;
  const due = await findDueForReminder(deps.db, WAITING, ago(now, ms), BATCH);
  if (due.length === 0) return 0;
  const approvers = await deps.approvers.approvers();
  let reminded = 0;
  for (const request of due) {
    const acted = new Set((await listDecisions(deps.db, request.id, request.version)).map((d) => d.approverId));
    const recipients = approvers.filter((u) => u !== request.requesterId && !acted.has(u));
    const period = Math.floor((now.getTime() - request.awaitingApprovalSince.getTime()) / ms);
    const sent = await notifyOnce(deps, request, { kind: 'reminder', period, recipients, now, after: ms });
    if (sent) reminded += 1;
  }
  return reminded;
}

/**
 * Records a reminder or escalation once (the database's unique key decides between instances and
 * runs), audits it, and queues the DMs, in one transaction. With nobody to send it to, nothing is
 * pretended: it is audited as not sent, nobody gets an escalation right, and the thread says why.
 */
function notifyOnce(
  deps: UseCaseDeps,
  request: ChargeRequest,
  n: { kind: ReminderKind; period: number; recipients: string[]; now: Date; after: number },
): Promise<boolean> {
  return deps.db.transaction(async (tx) => {
    const id = await recordReminderOnce(tx, {
      request,
      kind: n.kind,
      period: n.period,
      recipients: n.recipients,
      sentAt: n.now,
      statuses: WAITING,
    });
    if (!id) return false;
    const nobody = n.recipients.length === 0;
    if (n.kind === 'escalation' && !nobody) await markEscalated(tx, request.id, request.awaitingApprovalSince, n.now);
    const after = formatDuration(n.after);
    await appendAudit(tx, {
      chargeRequestId: request.id,
      actor: 'system',
      action: nobody ? `${n.kind}_not_sent` : n.kind === 'escalation' ? 'escalated' : 'reminder_sent',
      fromStatus: request.status,
      toStatus: request.status,
      version: request.version,
      details: { recipients: n.recipients, period: n.period, after, ...(nobody ? { reason: 'no_recipients' } : {}) },
      at: n.now,
    });
    await enqueue(tx, [
      nobody
        ? { kind: 'thread_reply', requestId: request.id, notice: { type: 'nobody_to_notify', about: n.kind, after } }
        : { kind: 'dm_card', requestId: request.id, occasion: `${n.kind}:${id}`, to: n.recipients },
    ]);
    return !nobody;
  });
}

/**
 * LINK_EXPIRES_AFTER: an unpaid link is deactivated at Stripe first; only then does the request become
 * link_expired, with a thread notice. If Stripe refuses, nothing changes and the next run tries again.
 */
async function expireLinks(deps: UseCaseDeps, timers: WorkflowTimers, now: Date): Promise<number> {
  const ms = timers.linkExpiresAfterMs;
  if (ms === 0 || !deps.stripe) return 0;
  const after = formatDuration(ms);
  let expired = 0;
  for (const request of await findLinksCreatedBefore(deps.db, TRANSITIONS.expire_link.from, ago(now, ms), BATCH)) {
    if (!request.paymentLinkId) continue;
    try {
      await deps.stripe.deactivatePaymentLink(request.paymentLinkId);
    } catch (error) {
      deps.logger.warn(
        { err: error, reference: request.reference, paymentLinkId: request.paymentLinkId },
        'could not deactivate an expired payment link; will try again',
      );
      continue;
    }
    const moved = await transitionWithUpdates(
      deps.db,
      {
        id: request.id,
        action: 'expire_link',
        expected: { status: request.status, version: request.version },
        actor: 'system',
        at: now,
        changes: { closedAt: now },
        details: { paymentLinkId: request.paymentLinkId, after },
      },
      [{ type: 'link_expired', after }],
    );
    if (moved.ok) expired += 1;
  }
  return expired;
}
