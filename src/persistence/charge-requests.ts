import type { Queryable, Tx } from '../db/sql.js';
import { type Actor, type ChargeRequest, type ChargeSource, referenceOf } from '../domain/charge-request.js';
import { type ChargeAction, type ChargeStatus, checkTransition } from '../domain/charge-status.js';
import { customerKey } from '../domain/customer.js';
import type { ChargeFlag } from '../domain/flags.js';
import { type Refusal, refuse } from '../errors.js';
import { toJson } from './json.js';

/** A row of charge_requests as pg returns it (int8 as text, so amounts stay exact). */
interface Row {
  id: string;
  number: number;
  status: ChargeStatus;
  version: number;
  source: ChargeSource;
  team_id: string;
  channel_id: string;
  thread_ts: string | null;
  card_ts: string | null;
  requester_id: string;
  customer_name: string;
  customer_email: string | null;
  stripe_customer_id: string | null;
  description: string;
  amount_minor: string;
  currency: string;
  payment_link_id: string | null;
  payment_link_url: string | null;
  link_attempt: number;
  link_failures: number;
  link_delayed_at: Date | null;
  finance_card_ts: string | null;
  last_error: string | null;
  amount_received_minor: string | null;
  refunded_minor: string;
  payer_email: string | null;
  payment_intent_id: string | null;
  disputed: boolean;
  dispute_reason: string | null;
  canceled_by: string | null;
  cancel_reason: string | null;
  flags: ChargeFlag[];
  requester_words: string | null;
  created_at: Date;
  updated_at: Date;
  approved_at: Date | null;
  link_created_at: Date | null;
  paid_at: Date | null;
  closed_at: Date | null;
  awaiting_approval_since: Date;
  escalated_at: Date | null;
}

export function toChargeRequest(r: Row): ChargeRequest {
  return {
    id: r.id,
    number: r.number,
    reference: referenceOf(r.number),
    status: r.status,
    version: r.version,
    source: r.source,
    teamId: r.team_id,
    channelId: r.channel_id,
    threadTs: r.thread_ts,
    cardTs: r.card_ts,
    requesterId: r.requester_id,
    customerName: r.customer_name,
    customerEmail: r.customer_email,
    stripeCustomerId: r.stripe_customer_id,
    description: r.description,
    amountMinor: BigInt(r.amount_minor),
    currency: r.currency,
    paymentLinkId: r.payment_link_id,
    paymentLinkUrl: r.payment_link_url,
    linkAttempt: r.link_attempt,
    linkFailures: r.link_failures,
    linkDelayedAt: r.link_delayed_at,
    financeCardTs: r.finance_card_ts,
    lastError: r.last_error,
    amountReceivedMinor: r.amount_received_minor === null ? null : BigInt(r.amount_received_minor),
    refundedMinor: BigInt(r.refunded_minor),
    payerEmail: r.payer_email,
    paymentIntentId: r.payment_intent_id,
    disputed: r.disputed,
    disputeReason: r.dispute_reason,
    canceledBy: r.canceled_by,
    cancelReason: r.cancel_reason,
    flags: r.flags,
    requesterWords: r.requester_words,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    approvedAt: r.approved_at,
    linkCreatedAt: r.link_created_at,
    paidAt: r.paid_at,
    closedAt: r.closed_at,
    awaitingApprovalSince: r.awaiting_approval_since,
    escalatedAt: r.escalated_at,
  };
}

/** Runs a SELECT of whole charge_requests rows (`SELECT r.*` or `*`) and maps them. */
export const selectRequests = async (db: Queryable, sql: string, values: readonly unknown[]) =>
  (await db.query<Row>(sql, values)).map(toChargeRequest);
const many = selectRequests;
const one = async (db: Queryable, sql: string, values: readonly unknown[]) => (await many(db, sql, values))[0];

export interface NewChargeRequest {
  readonly source: ChargeSource;
  readonly teamId: string;
  readonly channelId: string;
  readonly threadTs: string | null;
  readonly requesterId: string;
  readonly customerName: string;
  readonly customerEmail: string | null;
  readonly stripeCustomerId?: string | null;
  readonly description: string;
  readonly amountMinor: bigint;
  readonly currency: string;
  readonly flags?: readonly ChargeFlag[];
  readonly requesterWords?: string | null;
  /**
   * When it was asked for, by the app's clock (see Clock): its created_at and updated_at, the start
   * of its wait for approval, and the time of its creation's audit event.
   */
  readonly createdAt: Date;
}

/** Inserts a `pending_approval` request at version 1 and audits its creation, in one statement. */
export async function createChargeRequest(
  db: Queryable,
  input: NewChargeRequest,
  actor: Actor,
  details: Record<string, unknown> = {},
): Promise<ChargeRequest> {
  const created = await one(
    db,
    `WITH created AS (
       INSERT INTO charge_requests (status, version, source, team_id, channel_id, thread_ts, requester_id,
         customer_name, customer_email, stripe_customer_id, description, amount_minor, currency, flags,
         requester_words, customer_key, created_at, updated_at, awaiting_approval_since)
       VALUES ('pending_approval', 1, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $14::jsonb, $15, $16,
         $17, $17, $17)
       RETURNING *),
     audit AS (
       INSERT INTO audit_events (charge_request_id, actor, action, from_status, to_status, version, details, created_at)
       SELECT id, $12, 'create', NULL, status, version, $13::jsonb, created_at FROM created)
     SELECT * FROM created`,
    [
      input.source,
      input.teamId,
      input.channelId,
      input.threadTs,
      input.requesterId,
      input.customerName,
      input.customerEmail,
      input.stripeCustomerId ?? null,
      input.description,
      input.amountMinor.toString(),
      input.currency,
      actor,
      toJson(details),
      toJson(input.flags ?? []),
      input.requesterWords ?? null,
      customerKey(input.customerName),
      input.createdAt,
    ],
  );
  if (!created) throw new Error('INSERT … RETURNING returned no row');
  return created;
}

export function findChargeRequest(db: Queryable, id: string): Promise<ChargeRequest | undefined> {
  return one(db, 'SELECT * FROM charge_requests WHERE id = $1', [id]);
}

export function findChargeRequestByNumber(db: Queryable, number: number): Promise<ChargeRequest | undefined> {
  return one(db, 'SELECT * FROM charge_requests WHERE number = $1', [number]);
}

/**
 * Locks the request row for the rest of the transaction and returns it as it is now: whatever
 * decides about one request (clicks, payments, edits) then applies one after another.
 */
export function lockChargeRequest(tx: Tx, id: string): Promise<ChargeRequest | undefined> {
  return one(tx, 'SELECT * FROM charge_requests WHERE id = $1 FOR UPDATE', [id]);
}

/** The requests of one conversation thread, oldest first. */
export function findThreadRequests(
  db: Queryable,
  thread: { teamId: string; channelId: string; threadTs: string | null },
): Promise<ChargeRequest[]> {
  return many(
    db,
    `SELECT * FROM charge_requests WHERE team_id = $1 AND channel_id = $2 AND thread_ts IS NOT DISTINCT FROM $3
     ORDER BY number LIMIT 50`,
    [thread.teamId, thread.channelId, thread.threadTs],
  );
}

/** Some rows of a list, and how many the whole list has: lists say "…and N more", never a cap as a count. */
export interface Page {
  readonly requests: ChargeRequest[];
  readonly total: number;
}

async function page(db: Queryable, sql: string, values: readonly unknown[]): Promise<Page> {
  const rows = await db.query<Row & { total: string }>(sql, values);
  return { requests: rows.map(toChargeRequest), total: Number(rows[0]?.total ?? 0) };
}

/** Requests in `statuses`, oldest first: the first `limit`, and how many there are. */
export function pageByStatus(db: Queryable, statuses: readonly ChargeStatus[], limit: number): Promise<Page> {
  return page(
    db,
    'SELECT *, count(*) OVER () AS total FROM charge_requests WHERE status = ANY($1) ORDER BY created_at LIMIT $2',
    [statuses, limit],
  );
}

/** A requester's requests, newest first: the latest `limit`, and how many there are. */
export function pageByRequester(db: Queryable, requesterId: string, limit: number): Promise<Page> {
  return page(
    db,
    `SELECT *, count(*) OVER () AS total FROM charge_requests WHERE requester_id = $1
     ORDER BY created_at DESC LIMIT $2`,
    [requesterId, limit],
  );
}

/**
 * What waits on one approver, oldest first: requests in `statuses`, without those made by
 * `excludeRequesters` (their own; a delegate's and their approver's) and, among those in
 * `decidingStatuses`, without those this approver already approved at their current version.
 */
export function pageAwaitingApprover(
  db: Queryable,
  query: {
    readonly statuses: readonly ChargeStatus[];
    readonly decidingStatuses: readonly ChargeStatus[];
    readonly approverId: string;
    readonly excludeRequesters: readonly string[];
    readonly limit: number;
  },
): Promise<Page> {
  return page(
    db,
    `SELECT r.*, count(*) OVER () AS total FROM charge_requests r
     WHERE r.status = ANY($1) AND r.requester_id <> ALL($2)
       AND NOT (r.status = ANY($3) AND EXISTS (
         SELECT 1 FROM charge_approvals a
         WHERE a.charge_request_id = r.id AND a.version = r.version AND a.approver_id = $4 AND a.decision = 'approved'))
     ORDER BY r.created_at LIMIT $5`,
    [query.statuses, query.excludeRequesters, query.decidingStatuses, query.approverId, query.limit],
  );
}

/** Every request created in [start, end), oldest first, up to `limit`. */
export function findCreatedBetween(db: Queryable, start: Date, end: Date, limit: number): Promise<ChargeRequest[]> {
  return many(
    db,
    'SELECT * FROM charge_requests WHERE created_at >= $1 AND created_at < $2 ORDER BY created_at LIMIT $3',
    [start, end, limit],
  );
}

/** Requests in `status` whose last change is older than `before`, oldest first (the link sweep). */
export function findUnchangedSince(
  db: Queryable,
  status: ChargeStatus,
  before: Date,
  limit: number,
): Promise<ChargeRequest[]> {
  return many(db, 'SELECT * FROM charge_requests WHERE status = $1 AND updated_at < $2 ORDER BY updated_at LIMIT $3', [
    status,
    before,
    limit,
  ]);
}

/** Requests in `statuses` whose wait for approval began at or before `before`, longest waiting first. */
export function findWaitingSince(
  db: Queryable,
  statuses: readonly ChargeStatus[],
  before: Date,
  limit: number,
  options: { notEscalated?: boolean } = {},
): Promise<ChargeRequest[]> {
  return many(
    db,
    `SELECT * FROM charge_requests
     WHERE status = ANY($1) AND awaiting_approval_since <= $2 AND (NOT $4 OR escalated_at IS NULL)
     ORDER BY awaiting_approval_since LIMIT $3`,
    [statuses, before, limit, options.notEscalated === true],
  );
}

/** Requests in `statuses` whose payment link was created at or before `before`, oldest first. */
export function findLinksCreatedBefore(
  db: Queryable,
  statuses: readonly ChargeStatus[],
  before: Date,
  limit: number,
): Promise<ChargeRequest[]> {
  return many(
    db,
    `SELECT * FROM charge_requests WHERE status = ANY($1) AND link_created_at <= $2 ORDER BY link_created_at LIMIT $3`,
    [statuses, before, limit],
  );
}

/**
 * The payment links reconciliation asks Stripe about, oldest first: the current link of requests in
 * `open` statuses, or in `closed` ones changed since `closedSince`, and the links replaced since then
 * (Request again after an expiry, a new link after a failed payment), which a checkout opened before
 * can still complete. Replaced links are found on the audit trail (`expiredLinkId`, `replaces`).
 */
export async function findOpenPaymentLinks(
  db: Queryable,
  limit: number,
  statuses: { open: readonly ChargeStatus[]; closed: readonly ChargeStatus[]; closedSince: Date },
): Promise<string[]> {
  const rows = await db.query<{ link: string }>(
    `SELECT link FROM (
       SELECT payment_link_id AS link, link_created_at AS at FROM charge_requests
       WHERE payment_link_id IS NOT NULL AND (status = ANY($1) OR (status = ANY($2) AND updated_at >= $3))
       UNION ALL
       SELECT coalesce(details ->> 'expiredLinkId', details ->> 'replaces'), created_at FROM audit_events
       WHERE action = ANY($5) AND created_at >= $3
     ) links
     WHERE link IS NOT NULL GROUP BY link ORDER BY min(at) LIMIT $4`,
    [statuses.open, statuses.closed, statuses.closedSince, limit, ['request_again', 'retry_link']],
  );
  return rows.map((r) => r.link);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Finds and locks, in one statement, the request a Stripe object points at: by payment link, then
 * payment intent, then our own id (see lockChargeRequest).
 */
export function lockChargeRequestFor(
  tx: Tx,
  refs: { paymentLinkId: string | null; paymentIntentId: string | null; requestId: string | null },
): Promise<ChargeRequest | undefined> {
  const requestId = refs.requestId && UUID.test(refs.requestId) ? refs.requestId : null;
  return one(
    tx,
    `SELECT * FROM charge_requests
     WHERE payment_link_id = $1 OR payment_intent_id = $2 OR id = $3::uuid
     ORDER BY (payment_link_id = $1) DESC NULLS LAST, (payment_intent_id = $2) DESC NULLS LAST
     LIMIT 1 FOR UPDATE`,
    [refs.paymentLinkId, refs.paymentIntentId, requestId],
  );
}

/** Where the card and its mirror live in Slack: bookkeeping, not a state change (no version, no audit). */
export async function recordCardLocation(
  db: Queryable,
  id: string,
  location: { cardTs?: string | null; threadTs?: string | null; financeCardTs?: string | null },
): Promise<void> {
  await db.query(
    `UPDATE charge_requests SET
       card_ts = CASE WHEN $2 THEN $3 ELSE card_ts END,
       thread_ts = CASE WHEN $4 THEN $5 ELSE thread_ts END,
       finance_card_ts = CASE WHEN $6 THEN $7 ELSE finance_card_ts END
     WHERE id = $1`,
    [
      id,
      location.cardTs !== undefined,
      location.cardTs ?? null,
      location.threadTs !== undefined,
      location.threadTs ?? null,
      location.financeCardTs !== undefined,
      location.financeCardTs ?? null,
    ],
  );
}

/**
 * Marks a request disputed, with Stripe's reason code (a fact beside the status, not a move of it).
 * Returns false if it already was.
 */
export async function markDisputed(tx: Tx, id: string, reason: string): Promise<boolean> {
  const rows = await tx.query(
    'UPDATE charge_requests SET disputed = true, dispute_reason = $2 WHERE id = $1 AND NOT disputed RETURNING id',
    [id, reason],
  );
  return rows.length === 1;
}

/** Replaces a locked request's flags (bookkeeping beside the status, like a dispute: no version, no audit here). */
export async function setFlags(tx: Tx, id: string, flags: readonly ChargeFlag[]): Promise<void> {
  await tx.query('UPDATE charge_requests SET flags = $2::jsonb WHERE id = $1', [id, toJson(flags)]);
}

/**
 * Marks the wait that began at `since` escalated (bookkeeping beside the status, like a dispute): its
 * escalation contacts may decide the request from now on. A later wait (Request again) is untouched.
 */
export async function markEscalated(tx: Tx, id: string, since: Date, at: Date): Promise<void> {
  await tx.query(
    `UPDATE charge_requests SET escalated_at = $3
     WHERE id = $1 AND awaiting_approval_since = $2 AND escalated_at IS NULL`,
    [id, since, at],
  );
}

/** Fields a transition may change along with the status, and their columns. */
const CHANGEABLE = {
  customerName: 'customer_name',
  customerEmail: 'customer_email',
  stripeCustomerId: 'stripe_customer_id',
  description: 'description',
  amountMinor: 'amount_minor',
  currency: 'currency',
  paymentLinkId: 'payment_link_id',
  paymentLinkUrl: 'payment_link_url',
  linkAttempt: 'link_attempt',
  linkFailures: 'link_failures',
  linkDelayedAt: 'link_delayed_at',
  lastError: 'last_error',
  amountReceivedMinor: 'amount_received_minor',
  refundedMinor: 'refunded_minor',
  payerEmail: 'payer_email',
  paymentIntentId: 'payment_intent_id',
  approvedAt: 'approved_at',
  linkCreatedAt: 'link_created_at',
  paidAt: 'paid_at',
  closedAt: 'closed_at',
  canceledBy: 'canceled_by',
  cancelReason: 'cancel_reason',
  flags: 'flags',
  requesterWords: 'requester_words',
  awaitingApprovalSince: 'awaiting_approval_since',
  escalatedAt: 'escalated_at',
} as const satisfies Partial<Record<keyof ChargeRequest, string>>;

export type TransitionChanges = Partial<Pick<ChargeRequest, keyof typeof CHANGEABLE>>;

export interface TransitionInput {
  readonly id: string;
  readonly action: ChargeAction;
  /** The state the actor saw. The update applies only if the row is still exactly there. */
  readonly expected: { readonly status: ChargeStatus; readonly version: number };
  readonly actor: Actor;
  readonly changes?: TransitionChanges;
  readonly details?: Record<string, unknown>;
  /**
   * When the move happens, by the app's clock (deps.clock.now()): the request's updated_at and the
   * audit event's time. Unset only where no clock reaches (the Stripe inbox): the database's time.
   */
  readonly at?: Date;
}

export type TransitionResult =
  | { ok: true; request: ChargeRequest; from: ChargeStatus }
  /** `wrong_state`: the state machine forbids it. `conflict`: someone else changed the request first. */
  | (Refusal<'wrong_state' | 'conflict' | 'not_found'> & { current?: ChargeRequest });

/**
 * Applies one state-machine move with compare-and-set: the UPDATE names the expected status and
 * version, so of two actors racing from the same state exactly one matches a row. The audit event is
 * written by the same statement, so the trail holds every winning move and nothing else. Pass the
 * caller's transaction to add more writes (outbox items) to the same commit.
 */
export async function transitionChargeRequest(db: Queryable, input: TransitionInput): Promise<TransitionResult> {
  const check = checkTransition(input.expected.status, input.action);
  if (!check.ok) return { ...refuse('wrong_state', check.message), current: await findChargeRequest(db, input.id) };
  const values: unknown[] = [
    input.id,
    input.expected.status,
    input.expected.version,
    check.to,
    check.newVersion ? 1 : 0,
    input.actor,
    input.action,
    toJson(input.details ?? {}),
    input.at ?? null,
  ];
  const sets = Object.entries(input.changes ?? {}).map(([field, value]) => {
    // bigint stays exact as text; arrays (flags) go to jsonb as JSON, not as a PostgreSQL array.
    const json = Array.isArray(value);
    values.push(typeof value === 'bigint' ? value.toString() : json ? toJson(value) : value);
    return `${CHANGEABLE[field as keyof typeof CHANGEABLE]} = $${values.length}${json ? '::jsonb' : ''}`;
  });
  // The lookup key follows the name it is derived from.
  if (input.changes?.customerName !== undefined) {
    values.push(customerKey(input.changes.customerName));
    sets.push(`customer_key = $${values.length}`);
  }
  const moved = await one(
    db,
    `WITH moved AS (
       UPDATE charge_requests SET status = $4, version = version + $5,
         updated_at = coalesce($9::timestamptz, now())${sets.map((s) => `, ${s}`).join('')}
       WHERE id = $1 AND status = $2 AND version = $3
       RETURNING *),
     audit AS (
       INSERT INTO audit_events (charge_request_id, actor, action, from_status, to_status, version, details, created_at)
       SELECT id, $6, $7, $2, status, version, $8::jsonb, updated_at FROM moved)
     SELECT * FROM moved`,
    values,
  );
  if (moved) return { ok: true, request: moved, from: input.expected.status };
  const current = await findChargeRequest(db, input.id);
  if (!current) return refuse('not_found', 'no such charge request');
  return {
    ...refuse('conflict', `the request changed meanwhile (now ${current.status}, version ${current.version})`),
    current,
  };
}

/** Which key a payment link is being made under: the request at one version and attempt. */
export type LinkKey = Pick<ChargeRequest, 'id' | 'status' | 'version' | 'linkAttempt'>;

/**
 * Notes a failed attempt to make the payment link (bookkeeping, not a state change): the reason
 * (shown if the delay is announced) and, for a server error, one more failure under the current key.
 * `at` (the clock's time) becomes its updated_at, so the sweep, oldest change first, tries the others
 * before this one again. Applies only while the request is still where the caller saw it. Returns the
 * failures counted under the key, or undefined when the request moved meanwhile.
 */
export async function recordLinkFailure(
  db: Queryable,
  key: LinkKey,
  failure: { reason: string; serverError: boolean; at: Date },
): Promise<number | undefined> {
  const rows = await db.query<{ link_failures: number }>(
    `UPDATE charge_requests SET last_error = $5, link_failures = link_failures + $6, updated_at = $7
     WHERE id = $1 AND status = $2 AND version = $3 AND link_attempt = $4
     RETURNING link_failures`,
    [key.id, key.status, key.version, key.linkAttempt, failure.reason, failure.serverError ? 1 : 0, failure.at],
  );
  return rows[0]?.link_failures;
}

/**
 * Moves to the next idempotency key, by compare-and-set from the attempt whose failure the caller
 * saw, with its audit event in the same statement. Of several callers that saw the same failure,
 * exactly one moves on; the others get undefined. The status and version stay; `at` (the clock's
 * time) becomes its updated_at, as for a failure (see recordLinkFailure).
 */
export function advanceLinkAttempt(
  db: Queryable,
  key: LinkKey,
  actor: Actor,
  at: Date,
  details: Record<string, unknown>,
): Promise<ChargeRequest | undefined> {
  return one(
    db,
    `WITH advanced AS (
       UPDATE charge_requests SET link_attempt = link_attempt + 1, link_failures = 0, updated_at = $7
       WHERE id = $1 AND status = $2 AND version = $3 AND link_attempt = $4
       RETURNING *),
     audit AS (
       INSERT INTO audit_events (charge_request_id, actor, action, from_status, to_status, version, details, created_at)
       SELECT id, $5, 'advance_link_attempt', status, status, version, $6::jsonb, updated_at FROM advanced)
     SELECT * FROM advanced`,
    [key.id, key.status, key.version, key.linkAttempt, actor, toJson(details), at],
  );
}

/** Requests in `status` since before `approvedBefore` whose delay nobody was told of yet, oldest first. */
export function findUnannouncedDelays(
  db: Queryable,
  status: ChargeStatus,
  approvedBefore: Date,
  limit: number,
): Promise<ChargeRequest[]> {
  return many(
    db,
    `SELECT * FROM charge_requests WHERE status = $1 AND approved_at < $2 AND link_delayed_at IS NULL
     ORDER BY approved_at LIMIT $3`,
    [status, approvedBefore, limit],
  );
}

/**
 * Records, once, that the thread and the approvers were told the link is late: compare-and-set on
 * status, version and "not told yet", with its audit event in the same statement. Returns false when
 * the request moved on or someone else (another instance) announced it first.
 */
export async function markLinkDelayed(
  db: Queryable,
  request: Pick<ChargeRequest, 'id' | 'status' | 'version'>,
  at: Date,
  details: Record<string, unknown>,
): Promise<boolean> {
  const rows = await db.query(
    `WITH marked AS (
       UPDATE charge_requests SET link_delayed_at = $4
       WHERE id = $1 AND status = $2 AND version = $3 AND link_delayed_at IS NULL
       RETURNING id, status, version),
     audit AS (
       INSERT INTO audit_events (charge_request_id, actor, action, from_status, to_status, version, details, created_at)
       SELECT id, 'system', 'link_delayed', status, status, version, $5::jsonb, $4 FROM marked)
     SELECT id FROM marked`,
    [request.id, request.status, request.version, at, toJson(details)],
  );
  return rows.length === 1;
}
