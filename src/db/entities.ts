import { EntitySchema, type ValueTransformer } from 'typeorm';
import { APPROVAL_DECISIONS, CHARGE_SOURCES, type ChargeRequest } from '../domain/charge-request.js';
import { CHARGE_STATUSES } from '../domain/charge-status.js';

/**
 * The schema, described for TypeORM so that `npm run migration:generate` can diff it against a
 * database. Nothing reads or writes through these entities: queries are plain SQL in persistence/.
 */

/** int8 stays exact as text on the wire; persistence/ maps it to bigint, never to number. */
const bigintColumn: ValueTransformer = {
  to: (value: bigint | null | undefined) => (value == null ? value : value.toString()),
  from: (value: string | null) => (value == null ? null : BigInt(value)),
};

const inList = (column: string, values: readonly string[]) =>
  `"${column}" IN (${values.map((v) => `'${v}'`).join(', ')})`;

// `discarded`: a dead item an admin chose not to retry (/charges ops); the audit trail says who and why.
const OUTBOX_STATUSES = ['pending', 'delivered', 'dead', 'discarded'] as const;
const INBOX_STATUSES = ['pending', 'processed', 'dead', 'discarded'] as const;
const REPORT_DIMENSIONS = ['requester', 'channel', 'approver', 'status'] as const;

/** The stored request: the domain's ChargeRequest without its derived reference, plus lookup keys. */
type ChargeRequestRow = Omit<ChargeRequest, 'reference'> & {
  /** The normalised customer name (domain/customer.ts customerKey), for duplicates and usual amounts. */
  customerKey: string;
};

export const ChargeRequestEntity = new EntitySchema<ChargeRequestRow>({
  name: 'charge_request',
  tableName: 'charge_requests',
  columns: {
    id: { type: 'uuid', primary: true, generated: 'uuid' },
    number: { type: 'int', generated: 'increment', unique: true },
    status: { type: 'text' },
    version: { type: 'int', default: 1 },
    source: { type: 'text' },
    teamId: { name: 'team_id', type: 'text' },
    channelId: { name: 'channel_id', type: 'text' },
    threadTs: { name: 'thread_ts', type: 'text', nullable: true },
    cardTs: { name: 'card_ts', type: 'text', nullable: true },
    requesterId: { name: 'requester_id', type: 'text' },
    customerName: { name: 'customer_name', type: 'text' },
    customerEmail: { name: 'customer_email', type: 'text', nullable: true },
    customerKey: { name: 'customer_key', type: 'text', default: '' },
    stripeCustomerId: { name: 'stripe_customer_id', type: 'text', nullable: true },
    description: { type: 'text' },
    amountMinor: { name: 'amount_minor', type: 'bigint', transformer: bigintColumn },
    currency: { type: 'char', length: 3 },
    paymentLinkId: { name: 'payment_link_id', type: 'text', nullable: true, unique: true },
    paymentLinkUrl: { name: 'payment_link_url', type: 'text', nullable: true },
    linkAttempt: { name: 'link_attempt', type: 'int', default: 0 },
    linkFailures: { name: 'link_failures', type: 'int', default: 0 },
    linkDelayedAt: { name: 'link_delayed_at', type: 'timestamptz', nullable: true },
    financeCardTs: { name: 'finance_card_ts', type: 'text', nullable: true },
    lastError: { name: 'last_error', type: 'text', nullable: true },
    amountReceivedMinor: { name: 'amount_received_minor', type: 'bigint', nullable: true, transformer: bigintColumn },
    refundedMinor: { name: 'refunded_minor', type: 'bigint', default: 0, transformer: bigintColumn },
    payerEmail: { name: 'payer_email', type: 'text', nullable: true },
    paymentIntentId: { name: 'payment_intent_id', type: 'text', nullable: true },
    disputed: { type: 'boolean', default: false },
    disputeReason: { name: 'dispute_reason', type: 'text', nullable: true },
    canceledBy: { name: 'canceled_by', type: 'text', nullable: true },
    cancelReason: { name: 'cancel_reason', type: 'text', nullable: true },
    flags: { type: 'jsonb', default: () => "'[]'" },
    requesterWords: { name: 'requester_words', type: 'text', nullable: true },
    createdAt: { name: 'created_at', type: 'timestamptz', createDate: true },
    updatedAt: { name: 'updated_at', type: 'timestamptz', updateDate: true },
    approvedAt: { name: 'approved_at', type: 'timestamptz', nullable: true },
    linkCreatedAt: { name: 'link_created_at', type: 'timestamptz', nullable: true },
    paidAt: { name: 'paid_at', type: 'timestamptz', nullable: true },
    closedAt: { name: 'closed_at', type: 'timestamptz', nullable: true },
    awaitingApprovalSince: { name: 'awaiting_approval_since', type: 'timestamptz', default: () => 'now()' },
    escalatedAt: { name: 'escalated_at', type: 'timestamptz', nullable: true },
  },
  checks: [
    { name: 'charge_requests_status_check', expression: inList('status', CHARGE_STATUSES) },
    { name: 'charge_requests_source_check', expression: inList('source', CHARGE_SOURCES) },
    { name: 'charge_requests_amount_check', expression: '"amount_minor" > 0' },
    { name: 'charge_requests_version_check', expression: '"version" > 0' },
    { name: 'charge_requests_currency_check', expression: `"currency" ~ '^[A-Z]{3}$'` },
  ],
  indices: [
    // Reports scan by creation time, optionally narrowed by status, requester or channel. The first
    // also INCLUDEs every column a report reads, so the days a report reads raw come from the index
    // alone (hand-written in the ReportSummaries migration: TypeORM cannot describe INCLUDE).
    { name: 'charge_requests_created_at_idx', columns: ['createdAt'], synchronize: false },
    { name: 'charge_requests_status_created_at_idx', columns: ['status', 'createdAt'] },
    { name: 'charge_requests_requester_created_at_idx', columns: ['requesterId', 'createdAt'] },
    { name: 'charge_requests_channel_created_at_idx', columns: ['channelId', 'createdAt'] },
    // A conversation thread finds its requests.
    { name: 'charge_requests_thread_idx', columns: ['teamId', 'channelId', 'threadTs'] },
    // Agent trust: a customer's recent amounts, and other requests of the same amount (duplicates).
    { name: 'charge_requests_customer_created_at_idx', columns: ['customerKey', 'currency', 'createdAt'] },
    { name: 'charge_requests_amount_idx', columns: ['currency', 'amountMinor'] },
    // Stripe events find their request by payment link (unique), payment intent, or id.
    { name: 'charge_requests_payment_intent_idx', columns: ['paymentIntentId'] },
  ],
});

interface ApprovalRow {
  id: string;
  chargeRequestId: string;
  version: number;
  /** Whose approval right was used: the approver who counts (one decision each per version). */
  approverId: string;
  /** Who clicked, when a delegate decided in the approver's stead; null when the approver did. */
  delegateId: string | null;
  decision: (typeof APPROVAL_DECISIONS)[number];
  reason: string | null;
  createdAt: Date;
  /** The request's created_at (set by a trigger): the period an approval counts in, for reports. */
  requestCreatedAt: Date;
  /** Relation for the foreign key only; never loaded. */
  chargeRequest?: ChargeRequestRow;
}

export const ApprovalEntity = new EntitySchema<ApprovalRow>({
  name: 'charge_approval',
  tableName: 'charge_approvals',
  columns: {
    id: { type: 'uuid', primary: true, generated: 'uuid' },
    chargeRequestId: { name: 'charge_request_id', type: 'uuid' },
    version: { type: 'int' },
    approverId: { name: 'approver_id', type: 'text' },
    delegateId: { name: 'delegate_id', type: 'text', nullable: true },
    decision: { type: 'text' },
    reason: { type: 'text', nullable: true },
    createdAt: { name: 'created_at', type: 'timestamptz', createDate: true },
    requestCreatedAt: { name: 'request_created_at', type: 'timestamptz' },
  },
  relations: {
    chargeRequest: {
      type: 'many-to-one',
      target: 'charge_request',
      joinColumn: { name: 'charge_request_id' },
      onDelete: 'RESTRICT',
    },
  },
  checks: [{ name: 'charge_approvals_decision_check', expression: inList('decision', APPROVAL_DECISIONS) }],
  uniques: [
    // One decision per person per version: the same approver twice never counts as two approvals.
    { name: 'charge_approvals_one_per_approver', columns: ['chargeRequestId', 'version', 'approverId'] },
  ],
  indices: [
    { name: 'charge_approvals_approver_created_at_idx', columns: ['approverId', 'createdAt'] },
    // Hand-written in the ReportSummaries migration (TypeORM cannot describe INCLUDE): approvals of the
    // requests created in a period, read from the index alone.
    { name: 'charge_approvals_request_created_at_idx', columns: ['requestCreatedAt'], synchronize: false },
  ],
});

interface AuditEventRow {
  id: string;
  chargeRequestId: string | null;
  actor: string;
  action: string;
  fromStatus: string | null;
  toStatus: string | null;
  version: number | null;
  details: Record<string, unknown>;
  createdAt: Date;
  /** Relation for the foreign key only; never loaded. */
  chargeRequest?: ChargeRequestRow;
}

export const AuditEventEntity = new EntitySchema<AuditEventRow>({
  name: 'audit_event',
  tableName: 'audit_events',
  columns: {
    id: { type: 'bigint', primary: true, generated: 'increment' },
    chargeRequestId: { name: 'charge_request_id', type: 'uuid', nullable: true },
    actor: { type: 'text' },
    action: { type: 'text' },
    fromStatus: { name: 'from_status', type: 'text', nullable: true },
    toStatus: { name: 'to_status', type: 'text', nullable: true },
    version: { type: 'int', nullable: true },
    details: { type: 'jsonb' },
    createdAt: { name: 'created_at', type: 'timestamptz', createDate: true },
  },
  relations: {
    chargeRequest: {
      type: 'many-to-one',
      target: 'charge_request',
      joinColumn: { name: 'charge_request_id' },
      onDelete: 'RESTRICT',
    },
  },
  indices: [
    { name: 'audit_events_charge_request_idx', columns: ['chargeRequestId', 'id'] },
    { name: 'audit_events_created_at_idx', columns: ['createdAt'] },
  ],
});

interface DelegationRow {
  id: string;
  /** The approver who hands over their approval right… */
  delegatorId: string;
  /** …to this person, for [startsAt, endsAt). */
  delegateId: string;
  startsAt: Date;
  endsAt: Date;
  reason: string | null;
  createdAt: Date;
  /** Set when the delegator turns it off, or replaces it, before it ends. */
  revokedAt: Date | null;
  revokedBy: string | null;
}

export const DelegationEntity = new EntitySchema<DelegationRow>({
  name: 'approval_delegation',
  tableName: 'approval_delegations',
  columns: {
    id: { type: 'uuid', primary: true, generated: 'uuid' },
    delegatorId: { name: 'delegator_id', type: 'text' },
    delegateId: { name: 'delegate_id', type: 'text' },
    startsAt: { name: 'starts_at', type: 'timestamptz' },
    endsAt: { name: 'ends_at', type: 'timestamptz' },
    reason: { type: 'text', nullable: true },
    createdAt: { name: 'created_at', type: 'timestamptz', createDate: true },
    revokedAt: { name: 'revoked_at', type: 'timestamptz', nullable: true },
    revokedBy: { name: 'revoked_by', type: 'text', nullable: true },
  },
  checks: [
    { name: 'approval_delegations_window_check', expression: '"ends_at" > "starts_at"' },
    { name: 'approval_delegations_not_self_check', expression: '"delegator_id" <> "delegate_id"' },
  ],
  indices: [
    // At decision time: does the clicker stand in for someone now?
    { name: 'approval_delegations_delegate_idx', columns: ['delegateId', 'endsAt'] },
    { name: 'approval_delegations_delegator_idx', columns: ['delegatorId', 'endsAt'] },
  ],
});

interface StripeEventRow {
  id: string;
  type: string;
  /** The verified event as received: the inbox the worker applies from. */
  payload: Record<string, unknown> | null;
  chargeRequestId: string | null;
  receivedAt: Date;
  /** Set in the same transaction as the state change the event causes. */
  processedAt: Date | null;
  outcome: string | null;
  /** pending → processed, or dead once its attempts are used up (an admin retries or discards it). */
  status: (typeof INBOX_STATUSES)[number];
  attempts: number;
  /** Failed applications wait here, with backoff, like the outbox's retries. */
  nextAttemptAt: Date;
  lastError: string | null;
}

export const StripeEventEntity = new EntitySchema<StripeEventRow>({
  name: 'stripe_event',
  tableName: 'stripe_events',
  columns: {
    // Stripe's event id: the primary key is what makes a redelivered event a no-op.
    id: { type: 'text', primary: true },
    type: { type: 'text' },
    payload: { type: 'jsonb', nullable: true },
    chargeRequestId: { name: 'charge_request_id', type: 'uuid', nullable: true },
    receivedAt: { name: 'received_at', type: 'timestamptz', createDate: true },
    processedAt: { name: 'processed_at', type: 'timestamptz', nullable: true },
    outcome: { type: 'text', nullable: true },
    status: { type: 'text', default: 'pending' },
    attempts: { type: 'int', default: 0 },
    nextAttemptAt: { name: 'next_attempt_at', type: 'timestamptz', default: () => 'now()' },
    lastError: { name: 'last_error', type: 'text', nullable: true },
  },
  checks: [{ name: 'stripe_events_status_check', expression: inList('status', INBOX_STATUSES) }],
  indices: [{ name: 'stripe_events_due_idx', columns: ['status', 'nextAttemptAt'] }],
});

interface AgentRunRow {
  id: string;
  teamId: string;
  channelId: string;
  threadTs: string | null;
  userId: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  latencyMs: number;
  outcome: string;
  error: string | null;
  chargeRequestId: string | null;
  createdAt: Date;
}

export const AgentRunEntity = new EntitySchema<AgentRunRow>({
  name: 'agent_run',
  tableName: 'agent_runs',
  columns: {
    id: { type: 'uuid', primary: true, generated: 'uuid' },
    teamId: { name: 'team_id', type: 'text' },
    channelId: { name: 'channel_id', type: 'text' },
    threadTs: { name: 'thread_ts', type: 'text', nullable: true },
    userId: { name: 'user_id', type: 'text' },
    model: { type: 'text' },
    inputTokens: { name: 'input_tokens', type: 'int', default: 0 },
    outputTokens: { name: 'output_tokens', type: 'int', default: 0 },
    totalTokens: { name: 'total_tokens', type: 'int', default: 0 },
    latencyMs: { name: 'latency_ms', type: 'int' },
    outcome: { type: 'text' },
    error: { type: 'text', nullable: true },
    chargeRequestId: { name: 'charge_request_id', type: 'uuid', nullable: true },
    createdAt: { name: 'created_at', type: 'timestamptz', createDate: true },
  },
  // INCLUDE (outcome, input_tokens, output_tokens), hand-written in the ReportSummaries migration:
  // a report's AI usage is read from the index alone.
  indices: [{ name: 'agent_runs_created_at_idx', columns: ['createdAt'], synchronize: false }],
});

interface OutboxRow {
  id: string;
  kind: string;
  payload: Record<string, unknown>;
  dedupeKey: string | null;
  status: (typeof OUTBOX_STATUSES)[number];
  attempts: number;
  nextAttemptAt: Date;
  lastError: string | null;
  createdAt: Date;
  deliveredAt: Date | null;
}

export const OutboxEntity = new EntitySchema<OutboxRow>({
  name: 'slack_outbox',
  tableName: 'slack_outbox',
  columns: {
    id: { type: 'bigint', primary: true, generated: 'increment' },
    kind: { type: 'text' },
    payload: { type: 'jsonb' },
    dedupeKey: { name: 'dedupe_key', type: 'text', nullable: true, unique: true },
    status: { type: 'text', default: 'pending' },
    attempts: { type: 'int', default: 0 },
    nextAttemptAt: { name: 'next_attempt_at', type: 'timestamptz', default: () => 'now()' },
    lastError: { name: 'last_error', type: 'text', nullable: true },
    createdAt: { name: 'created_at', type: 'timestamptz', createDate: true },
    deliveredAt: { name: 'delivered_at', type: 'timestamptz', nullable: true },
  },
  checks: [{ name: 'slack_outbox_status_check', expression: inList('status', OUTBOX_STATUSES) }],
  indices: [{ name: 'slack_outbox_due_idx', columns: ['status', 'nextAttemptAt'] }],
});

const REMINDER_KINDS = ['reminder', 'escalation'] as const;

interface ApprovalReminderRow {
  id: string;
  chargeRequestId: string;
  kind: (typeof REMINDER_KINDS)[number];
  /** The wait it belongs to: the request's awaiting_approval_since when it was sent. */
  roundSince: Date;
  /** Which period of REMIND_AFTER within that wait (1, 2, …); 1 for the escalation. */
  period: number;
  recipients: string[];
  /** The clock's time when it was decided (tests move the clock). */
  sentAt: Date;
  /** Relation for the foreign key only; never loaded. */
  chargeRequest?: ChargeRequestRow;
}

export const ApprovalReminderEntity = new EntitySchema<ApprovalReminderRow>({
  name: 'approval_reminder',
  tableName: 'approval_reminders',
  columns: {
    id: { type: 'bigint', primary: true, generated: 'increment' },
    chargeRequestId: { name: 'charge_request_id', type: 'uuid' },
    kind: { type: 'text' },
    roundSince: { name: 'round_since', type: 'timestamptz' },
    period: { type: 'int' },
    recipients: { type: 'jsonb' },
    sentAt: { name: 'sent_at', type: 'timestamptz' },
  },
  relations: {
    chargeRequest: {
      type: 'many-to-one',
      target: 'charge_request',
      joinColumn: { name: 'charge_request_id' },
      onDelete: 'RESTRICT',
    },
  },
  checks: [{ name: 'approval_reminders_kind_check', expression: inList('kind', REMINDER_KINDS) }],
  uniques: [
    // Once per request, wait and period, whichever instance (or restart) gets there first.
    { name: 'approval_reminders_once', columns: ['chargeRequestId', 'roundSince', 'kind', 'period'] },
  ],
});

interface CardCopyRow {
  id: string;
  chargeRequestId: string;
  /** Which notification posted it (`approval:v1`, `reminder:42`, …): one copy per person per occasion. */
  occasion: string;
  userId: string;
  channelId: string;
  ts: string;
  createdAt: Date;
  /** Relation for the foreign key only; never loaded. */
  chargeRequest?: ChargeRequestRow;
}

/** Copies of a request's card sent to people by DM; every copy is updated with the request. */
export const CardCopyEntity = new EntitySchema<CardCopyRow>({
  name: 'card_copy',
  tableName: 'card_copies',
  columns: {
    id: { type: 'bigint', primary: true, generated: 'increment' },
    chargeRequestId: { name: 'charge_request_id', type: 'uuid' },
    occasion: { type: 'text' },
    userId: { name: 'user_id', type: 'text' },
    channelId: { name: 'channel_id', type: 'text' },
    ts: { type: 'text' },
    createdAt: { name: 'created_at', type: 'timestamptz', createDate: true },
  },
  relations: {
    chargeRequest: {
      type: 'many-to-one',
      target: 'charge_request',
      joinColumn: { name: 'charge_request_id' },
      onDelete: 'RESTRICT',
    },
  },
  uniques: [{ name: 'card_copies_once', columns: ['chargeRequestId', 'occasion', 'userId'] }],
});

const CONVERSATION_ROLES = ['user', 'assistant'] as const;

interface ConversationMessageRow {
  id: string;
  teamId: string;
  channelId: string;
  threadTs: string;
  /** The Slack message ts; one message is processed once, however many events deliver it. */
  messageTs: string;
  role: (typeof CONVERSATION_ROLES)[number];
  userId: string | null;
  text: string;
  createdAt: Date;
}

export const ConversationMessageEntity = new EntitySchema<ConversationMessageRow>({
  name: 'conversation_message',
  tableName: 'conversation_messages',
  columns: {
    id: { type: 'bigint', primary: true, generated: 'increment' },
    teamId: { name: 'team_id', type: 'text' },
    channelId: { name: 'channel_id', type: 'text' },
    threadTs: { name: 'thread_ts', type: 'text' },
    messageTs: { name: 'message_ts', type: 'text' },
    role: { type: 'text' },
    userId: { name: 'user_id', type: 'text', nullable: true },
    text: { type: 'text' },
    createdAt: { name: 'created_at', type: 'timestamptz', createDate: true },
  },
  checks: [{ name: 'conversation_messages_role_check', expression: inList('role', CONVERSATION_ROLES) }],
  uniques: [{ name: 'conversation_messages_once', columns: ['teamId', 'channelId', 'messageTs'] }],
  indices: [{ name: 'conversation_messages_thread_idx', columns: ['teamId', 'channelId', 'threadTs', 'id'] }],
});

/**
 * Report roll-ups (persistence/report-summaries.ts). Changes to rows created before this instant are
 * noted in report_changes by triggers, in the writing transaction; later rows write nothing extra.
 */
export const ReportHorizonEntity = new EntitySchema<{ id: boolean; summarisedUntil: Date | null }>({
  name: 'report_horizon',
  tableName: 'report_horizon',
  columns: {
    id: { type: 'boolean', primary: true, default: true },
    summarisedUntil: { name: 'summarised_until', type: 'timestamptz', nullable: true },
  },
  checks: [{ name: 'report_horizon_one_row', expression: '"id"' }],
});

/** A row created at `rowCreatedAt` changed: any summary of a month holding that instant is stale. */
export const ReportChangeEntity = new EntitySchema<{ id: string; rowCreatedAt: Date }>({
  name: 'report_change',
  tableName: 'report_changes',
  columns: {
    id: { type: 'bigint', primary: true, generated: 'increment' },
    rowCreatedAt: { name: 'row_created_at', type: 'timestamptz' },
  },
  indices: [{ name: 'report_changes_row_created_at_idx', columns: ['rowCreatedAt'] }],
});

interface ReportMonthRow {
  id: string;
  /** The IANA zone whose month this is; only REPORT_TIMEZONE's months are kept. */
  zone: string;
  monthStart: Date;
  monthEnd: Date;
  /** What the numbers mean (status lists, bucket growth): summaries of another definition are recomputed. */
  definition: string;
  computedAt: Date;
  runs: string;
  proposals: string;
  failures: string;
  inputTokens: string;
  outputTokens: string;
}

/** One closed month of one zone, summarised; its AI usage. */
export const ReportMonthEntity = new EntitySchema<ReportMonthRow>({
  name: 'report_month',
  tableName: 'report_months',
  columns: {
    id: { type: 'bigint', primary: true, generated: 'increment' },
    zone: { type: 'text' },
    monthStart: { name: 'month_start', type: 'timestamptz' },
    monthEnd: { name: 'month_end', type: 'timestamptz' },
    definition: { type: 'text' },
    computedAt: { name: 'computed_at', type: 'timestamptz', default: () => 'now()' },
    runs: { type: 'bigint' },
    proposals: { type: 'bigint' },
    failures: { type: 'bigint' },
    inputTokens: { name: 'input_tokens', type: 'bigint' },
    outputTokens: { name: 'output_tokens', type: 'bigint' },
  },
  uniques: [{ name: 'report_months_once', columns: ['zone', 'monthStart'] }],
});

const monthRelation = {
  month: {
    type: 'many-to-one' as const,
    target: 'report_month',
    joinColumn: { name: 'month_id' },
    onDelete: 'CASCADE' as const,
  },
};

interface ReportMonthTotalsRow {
  monthId: string;
  currency: string;
  requested: string;
  requestedMinor: string;
  approved: string;
  approvedMinor: string;
  rejected: string;
  rejectedMinor: string;
  linked: string;
  flagged: string;
  paid: string;
  paidMinor: string;
  outstanding: string;
  outstandingMinor: string;
  /** Time to approve and to pay: { "<bucket>": count } (domain/duration-histogram.ts). */
  approveHistogram: Record<string, number>;
  payHistogram: Record<string, number>;
  month?: ReportMonthRow;
}

/** A month's funnel for one currency, as the report's totals count it. */
export const ReportMonthTotalsEntity = new EntitySchema<ReportMonthTotalsRow>({
  name: 'report_month_totals',
  tableName: 'report_month_totals',
  columns: {
    monthId: { name: 'month_id', type: 'bigint', primary: true },
    currency: { type: 'char', length: 3, primary: true },
    requested: { type: 'bigint' },
    requestedMinor: { name: 'requested_minor', type: 'bigint' },
    approved: { type: 'bigint' },
    approvedMinor: { name: 'approved_minor', type: 'bigint' },
    rejected: { type: 'bigint' },
    rejectedMinor: { name: 'rejected_minor', type: 'bigint' },
    linked: { type: 'bigint' },
    flagged: { type: 'bigint' },
    paid: { type: 'bigint' },
    paidMinor: { name: 'paid_minor', type: 'bigint' },
    outstanding: { type: 'bigint' },
    outstandingMinor: { name: 'outstanding_minor', type: 'bigint' },
    approveHistogram: { name: 'approve_histogram', type: 'jsonb' },
    payHistogram: { name: 'pay_histogram', type: 'jsonb' },
  },
  relations: monthRelation,
});

interface ReportMonthGroupRow {
  monthId: string;
  dimension: (typeof REPORT_DIMENSIONS)[number];
  key: string;
  currency: string;
  requests: string;
  amountMinor: string;
  month?: ReportMonthRow;
}

/** A month's requests per requester, channel, approver or status, and currency. */
export const ReportMonthGroupEntity = new EntitySchema<ReportMonthGroupRow>({
  name: 'report_month_group',
  tableName: 'report_month_groups',
  columns: {
    monthId: { name: 'month_id', type: 'bigint', primary: true },
    dimension: { type: 'text', primary: true },
    key: { type: 'text', primary: true },
    currency: { type: 'char', length: 3, primary: true },
    requests: { type: 'bigint' },
    amountMinor: { name: 'amount_minor', type: 'bigint' },
  },
  relations: monthRelation,
  checks: [{ name: 'report_month_groups_dimension_check', expression: inList('dimension', REPORT_DIMENSIONS) }],
});

export const ENTITIES = [
  ConversationMessageEntity,
  ChargeRequestEntity,
  ApprovalEntity,
  DelegationEntity,
  AuditEventEntity,
  StripeEventEntity,
  AgentRunEntity,
  OutboxEntity,
  ApprovalReminderEntity,
  CardCopyEntity,
  ReportHorizonEntity,
  ReportChangeEntity,
  ReportMonthEntity,
  ReportMonthTotalsEntity,
  ReportMonthGroupEntity,
];
