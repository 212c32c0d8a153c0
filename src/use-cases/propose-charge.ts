import { z } from 'zod';
import { mayChange } from '../domain/authorization.js';
import { type Actor, type ChargeRequest, moneyOf, parseReference, referenceOf } from '../domain/charge-request.js';
import { describeStatus, OPEN_STATUSES } from '../domain/charge-status.js';
import { sameCustomer } from '../domain/customer.js';
import { DEFAULT_TRUST } from '../domain/flags.js';
import { groundingAfterEdit, requesterWordsOf } from '../domain/grounding.js';
import { formatMoney, type Money, parseMoney } from '../domain/money.js';
import { invalidInput, type Problem, type Refusal, type Result, refuse } from '../errors.js';
import {
  createChargeRequest,
  findChargeRequestByNumber,
  findThreadRequests,
  lockChargeRequest,
  type TransitionChanges,
} from '../persistence/charge-requests.js';
import { messagesBy } from '../persistence/conversations.js';
import { enqueue } from '../persistence/outbox.js';
import { lockIntent } from '../persistence/similar-requests.js';
import { resolveClicker } from './acting-approver.js';
import { assessFlags, withAssessedFlags } from './assess-flags.js';
import type { UseCaseDeps } from './deps.js';
import { enforcePolicy } from './enforce-policy.js';
import { transitionWithUpdates } from './transition-with-updates.js';

/**
 * What a proposal contains, from the agent's `propose_charge` tool or from `/charges new`. The same
 * schema validates both: nothing the model sends is trusted more than what a person types.
 */
export const proposalSchema = z.object({
  customerName: z.string().trim().min(1, 'the customer name is missing').max(200),
  customerEmail: z.email('that is not a valid email address').max(254).optional(),
  amount: z.string().trim().min(1, 'the amount is missing').max(40),
  currency: z.string().trim().max(3).optional(),
  description: z.string().trim().max(1000).default(''),
});

export type ProposalInput = z.input<typeof proposalSchema>;

export interface ProposalContext {
  readonly source: 'agent' | 'command';
  readonly teamId: string;
  readonly channelId: string;
  /** The conversation thread; null for `/charges new`, whose card starts its own thread. */
  readonly threadTs: string | null;
  readonly requesterId: Actor;
  readonly stripeCustomerId?: string | null;
  /**
   * A deliberate second identical charge: the reference of the open one it repeats, set by the agent
   * only after the requester confirmed. Without it, a repeat in the same thread creates nothing.
   */
  readonly confirmDuplicateOf?: string;
}

/** The same customer, amount and currency is already open in this thread: nothing new was created. */
export interface AlreadyProposed extends Refusal<'already_done'> {
  /** The open request's reference (CR-1042). */
  readonly existing: string;
}

export type ProposalResult = Result<{ request: ChargeRequest; created: boolean }> | AlreadyProposed;

type ProposeDeps = Pick<UseCaseDeps, 'db' | 'policy' | 'clock' | 'trust' | 'metrics'>;

function validate(input: ProposalInput): Result<{ value: z.output<typeof proposalSchema>; money: Money }> {
  const parsed = proposalSchema.safeParse(input);
  if (!parsed.success) {
    return invalidInput(
      parsed.error.issues.map((i): Problem => ({ field: String(i.path[0] ?? 'input'), message: i.message })),
    );
  }
  const money = parseMoney(parsed.data.amount, parsed.data.currency);
  if (!money.ok) return invalidInput([{ field: 'amount', message: money.message }]);
  return { ok: true, value: parsed.data, money: money.money };
}

/**
 * Turns a proposal into a `pending_approval` request and queues its approval card, in one
 * transaction. Invalid input creates nothing and comes back as a refusal listing each problem,
 * phrased so that a person or a model can correct it.
 */
export async function proposeCharge(
  deps: ProposeDeps,
  context: ProposalContext,
  input: ProposalInput,
): Promise<ProposalResult> {
  const checked = validate(input);
  if (!checked.ok) return checked;
  const { value, money } = checked;
  const now = deps.clock.now();
  return deps.db.transaction(async (tx): Promise<ProposalResult> => {
    // Identical proposals (parallel tool calls, two instances) take turns from here to the commit.
    await lockIntent(tx, money);
    const confirmed = parseReference(context.confirmDuplicateOf ?? '');
    const customer = { customerName: value.customerName, customerEmail: value.customerEmail ?? null };
    const thread = context.threadTs
      ? { teamId: context.teamId, channelId: context.channelId, threadTs: context.threadTs }
      : undefined;
    if (thread) {
      const open = (await findThreadRequests(tx, thread)).filter(
        (r) =>
          OPEN_STATUSES.includes(r.status) &&
          r.currency === money.currency &&
          r.amountMinor === money.amountMinor &&
          sameCustomer(r, customer),
      );
      const latest = open.at(-1);
      if (latest && confirmed !== latest.number) return alreadyProposed(latest);
    }
    const refused = await enforcePolicy(tx, deps, {
      stage: 'proposal',
      actor: context.requesterId,
      requesterId: context.requesterId,
      channelId: context.channelId,
      money,
      createdAt: now,
      now,
    });
    if (refused) return refused;
    // The agent's proposals are checked against what the requester wrote; a typed command is their word.
    const texts = context.source === 'agent' && thread ? await messagesBy(tx, thread, context.requesterId) : undefined;
    const flags = await assessFlags(
      tx,
      deps.trust ?? DEFAULT_TRUST,
      {
        requesterId: context.requesterId,
        ...customer,
        money,
        requesterTexts: texts,
        confirmedDuplicateOf: confirmed === undefined ? undefined : referenceOf(confirmed),
      },
      now,
    );
    const created = await createChargeRequest(
      tx,
      {
        source: context.source,
        teamId: context.teamId,
        channelId: context.channelId,
        threadTs: context.threadTs,
        requesterId: context.requesterId,
        ...customer,
        stripeCustomerId: context.stripeCustomerId ?? null,
        description: value.description,
        amountMinor: money.amountMinor,
        currency: money.currency,
        flags,
        requesterWords: texts ? requesterWordsOf(texts) : null,
        createdAt: now,
      },
      context.requesterId,
      { source: context.source, flags },
    );
    await enqueue(tx, [
      { kind: 'post_card', requestId: created.id },
      { kind: 'dm_card', requestId: created.id, occasion: approvalOccasion(created), to: 'approvers' },
    ]);
    return { ok: true, request: created, created: true };
  });
}

function alreadyProposed(existing: ChargeRequest): AlreadyProposed {
  return {
    ...refuse(
      'already_done',
      `this is already proposed as ${existing.reference} (${describeStatus(existing.status)}); nothing new was created`,
    ),
    existing: existing.reference,
  };
}

/** The DM occasion of a version's request for approval: each approver gets one DM per version asked for. */
export const approvalOccasion = (request: Pick<ChargeRequest, 'version'>) => `approval:v${request.version}`;

/** Where a revision comes from, and what it was based on. */
export interface RevisionContext {
  /** The conversation the request must belong to (the agent's thread). */
  readonly scope?: { teamId: string; channelId: string; threadTs: string | null };
  /** The version the person saw (the edit form's): if the request has moved on since, nothing changes. */
  readonly version?: number;
}

type ReviseDeps = ProposeDeps & Pick<UseCaseDeps, 'approvers'>;

/**
 * Changes a pending request as a new version ("make it 1,500 instead"). Only the requester, an
 * approver or an approver's delegate may, whichever way they ask (the agent, the edit form). The
 * compare-and-set on the version voids every approval of earlier versions; the card shows what
 * changed. With `scope`, the request must belong to that conversation; with `version`, it must still
 * be the version the person saw.
 */
export async function reviseCharge(
  deps: ReviseDeps,
  reference: string,
  actor: Actor,
  input: ProposalInput,
  context: RevisionContext = {},
): Promise<ProposalResult> {
  const { scope } = context;
  const number = parseReference(reference);
  const current = number === undefined ? undefined : await findChargeRequestByNumber(deps.db, number);
  if (
    !current ||
    (scope &&
      (current.teamId !== scope.teamId || current.channelId !== scope.channelId || current.threadTs !== scope.threadTs))
  ) {
    return refuse('not_found', `there is no request ${reference} in this conversation`);
  }
  const now = deps.clock.now();
  const allowed = mayChange(current, await resolveClicker(deps, deps.db, actor, now));
  if (!allowed.ok) return allowed;
  const checked = validate(input);
  if (!checked.ok) return checked;
  const { money } = checked;
  const next: TransitionChanges = {
    customerName: checked.value.customerName,
    customerEmail: checked.value.customerEmail ?? null,
    description: checked.value.description || current.description,
    amountMinor: money.amountMinor,
    currency: money.currency,
  };
  return deps.db.transaction(async (tx): Promise<ProposalResult> => {
    // Row first, budgets second: the same order as approvals, so the two never deadlock.
    const locked = await lockChargeRequest(tx, current.id);
    if (!locked) return refuse('not_found', `there is no request ${reference} in this conversation`);
    if (locked.status !== 'pending_approval') {
      return refuse(
        'wrong_state',
        `${locked.reference} can no longer be changed: it is ${describeStatus(locked.status)}`,
      );
    }
    if (context.version !== undefined && locked.version !== context.version) {
      return refuse(
        'conflict',
        `${locked.reference} changed since you opened this form (it is now version ${locked.version}). Nothing was changed: close it and press Edit on the card again.`,
      );
    }
    const changes = describeChanges(locked, next);
    if (changes.length === 0) return { ok: true, request: locked, created: false };
    await lockIntent(tx, money);
    const refused = await enforcePolicy(tx, deps, {
      stage: 'edit',
      actor,
      requesterId: locked.requesterId,
      channelId: locked.channelId,
      money,
      requestId: locked.id,
      createdAt: locked.createdAt,
      now,
    });
    if (refused) return refused;
    // The new version is assessed again: duplicates and usual amounts as for a proposal; what the
    // requester stated for the values that changed (through the agent: their words; through the form:
    // a person typed them).
    const texts = scope?.threadTs
      ? await messagesBy(tx, { ...scope, threadTs: scope.threadTs }, locked.requesterId)
      : undefined;
    const after = { money, customerName: checked.value.customerName };
    const assessed = await assessFlags(
      tx,
      deps.trust ?? DEFAULT_TRUST,
      {
        id: locked.id,
        requesterId: locked.requesterId,
        customerName: after.customerName,
        customerEmail: next.customerEmail ?? null,
        money,
      },
      now,
    );
    const before = { money: moneyOf(locked), customerName: locked.customerName };
    const flags = withAssessedFlags(locked.flags, [
      ...assessed,
      ...groundingAfterEdit(locked.flags, before, after, texts),
    ]);
    const moved = await transitionWithUpdates(
      tx,
      {
        id: locked.id,
        action: 'edit',
        expected: { status: locked.status, version: locked.version },
        actor,
        at: now,
        changes: { ...next, flags, ...(texts ? { requesterWords: requesterWordsOf(texts) } : {}) },
        details: { changes, flags },
      },
      [{ type: 'revised', version: locked.version + 1, changes }],
    );
    if (!moved.ok) return refuse('conflict', `${locked.reference} changed meanwhile; look at the card and try again`);
    return { ok: true, request: moved.request, created: false };
  });
}

/** Field-by-field differences, in display form, for the audit trail and the card. */
export function describeChanges(
  before: ChargeRequest,
  after: TransitionChanges,
): { field: string; from: string; to: string }[] {
  const out: { field: string; from: string; to: string }[] = [];
  const beforeAmount = formatMoney(moneyOf(before));
  if (after.amountMinor !== undefined && after.currency !== undefined) {
    const afterAmount = formatMoney({ amountMinor: after.amountMinor, currency: after.currency });
    if (afterAmount !== beforeAmount) out.push({ field: 'amount', from: beforeAmount, to: afterAmount });
  }
  if (after.customerName !== undefined && after.customerName !== before.customerName) {
    out.push({ field: 'customer', from: before.customerName, to: after.customerName });
  }
  if (after.customerEmail !== undefined && after.customerEmail !== before.customerEmail) {
    out.push({ field: 'email', from: before.customerEmail ?? '—', to: after.customerEmail ?? '—' });
  }
  if (after.description !== undefined && after.description !== before.description) {
    out.push({ field: 'description', from: before.description || '—', to: after.description || '—' });
  }
  return out;
}
