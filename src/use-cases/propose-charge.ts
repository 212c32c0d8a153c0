import type { DataSource } from 'typeorm';
import { z } from 'zod';
import { ChargeRequestEntity } from '../db/entities.js';
import { type Actor, type ChargeRequest, moneyOf, parseReference } from '../domain/charge-request.js';
import { formatMoney, type Money, parseMoney } from '../domain/money.js';
import { enqueue } from '../outbox/outbox.js';
import {
  createChargeRequest,
  findChargeRequestByNumber,
  type TransitionChanges,
} from '../persistence/charge-requests.js';
import { transitionWithUpdates } from './change-state.js';
import { describeViolations, enforcePolicy, type PolicyDeps } from './enforce-policy.js';

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
}

export type ProposalResult = { ok: true; request: ChargeRequest; created: boolean } | { ok: false; problems: string[] };

export interface ProposeDeps {
  readonly dataSource: DataSource;
  /** Nudges the outbox worker after a commit that queued Slack updates. */
  readonly wakeOutbox: () => void;
  readonly policy: PolicyDeps;
}

type Validated = { ok: true; value: z.output<typeof proposalSchema>; money: Money } | { ok: false; problems: string[] };

function validate(input: ProposalInput): Validated {
  const parsed = proposalSchema.safeParse(input);
  if (!parsed.success)
    return { ok: false, problems: parsed.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`) };
  const money = parseMoney(parsed.data.amount, parsed.data.currency);
  if (!money.ok) return { ok: false, problems: [`amount: ${money.error.message}`] };
  return { ok: true, value: parsed.data, money: money.money };
}

/**
 * Turns a proposal into a `pending_approval` request and queues its approval card, in one
 * transaction. Invalid input creates nothing and comes back as a list of problems, phrased so that
 * a person or a model can correct them.
 */
export async function proposeCharge(
  deps: ProposeDeps,
  context: ProposalContext,
  input: ProposalInput,
): Promise<ProposalResult> {
  const checked = validate(input);
  if (!checked.ok) return checked;
  const { value, money } = checked;
  const outcome = await deps.dataSource.transaction(async (manager) => {
    const violations = await enforcePolicy(manager, deps.policy, {
      stage: 'proposal',
      actor: context.requesterId,
      requesterId: context.requesterId,
      channelId: context.channelId,
      money,
      createdAt: new Date(),
    });
    if (violations.length > 0) return { ok: false as const, problems: describeViolations(violations) };
    const created = await createChargeRequest(
      manager,
      {
        source: context.source,
        teamId: context.teamId,
        channelId: context.channelId,
        threadTs: context.threadTs,
        requesterId: context.requesterId,
        customerName: value.customerName,
        customerEmail: value.customerEmail ?? null,
        stripeCustomerId: context.stripeCustomerId ?? null,
        description: value.description,
        amountMinor: money.amountMinor,
        currency: money.currency,
      },
      context.requesterId,
      { source: context.source },
    );
    await enqueue(manager, { kind: 'post_card', requestId: created.id });
    return { ok: true as const, request: created, created: true };
  });
  deps.wakeOutbox();
  return outcome;
}

/**
 * Changes a pending request as a new version ("make it 1,500 instead"). The compare-and-set on the
 * version voids every approval of earlier versions; the card shows what changed.
 */
export async function reviseCharge(
  deps: ProposeDeps,
  reference: string,
  actor: Actor,
  input: ProposalInput,
  scope?: { teamId: string; channelId: string; threadTs: string | null },
): Promise<ProposalResult> {
  const number = parseReference(reference);
  const current = number === undefined ? undefined : await findChargeRequestByNumber(deps.dataSource, number);
  if (
    !current ||
    (scope &&
      (current.teamId !== scope.teamId || current.channelId !== scope.channelId || current.threadTs !== scope.threadTs))
  ) {
    return { ok: false, problems: [`there is no request ${reference} in this conversation`] };
  }
  if (current.status !== 'pending_approval') {
    return {
      ok: false,
      problems: [`${current.reference} can no longer be changed: it is ${current.status.replace('_', ' ')}`],
    };
  }
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
  const changes = describeChanges(current, next);
  if (changes.length === 0) return { ok: true, request: current, created: false };

  const result = await deps.dataSource.transaction(async (manager) => {
    // Row first, budgets second: the same order as approvals, so the two never deadlock.
    await manager.findOne(ChargeRequestEntity, { where: { id: current.id }, lock: { mode: 'pessimistic_write' } });
    const violations = await enforcePolicy(manager, deps.policy, {
      stage: 'edit',
      actor,
      requesterId: current.requesterId,
      channelId: current.channelId,
      money,
      requestId: current.id,
      createdAt: current.createdAt,
    });
    if (violations.length > 0) return { ok: false as const, problems: describeViolations(violations) };
    return transitionWithUpdates(
      manager,
      {
        id: current.id,
        action: 'edit',
        expected: { status: current.status, version: current.version },
        actor,
        changes: next,
        details: { changes },
      },
      [{ type: 'revised', version: current.version + 1, changes }],
    );
  });
  deps.wakeOutbox();
  if ('problems' in result) return result;
  if (!result.ok)
    return { ok: false, problems: [`${current.reference} changed meanwhile; look at the card and try again`] };
  return { ok: true, request: result.request, created: false };
}

/** Field-by-field differences, in display form, for the audit trail and the card. */
export function describeChanges(
  before: ChargeRequest,
  after: TransitionChanges,
): { field: string; from: string; to: string }[] {
  const out: { field: string; from: string; to: string }[] = [];
  const beforeAmount = `${formatMoney(moneyOf(before))} ${before.currency}`;
  if (after.amountMinor !== undefined && after.currency !== undefined) {
    const afterAmount = `${formatMoney({ amountMinor: after.amountMinor, currency: after.currency })} ${after.currency}`;
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
