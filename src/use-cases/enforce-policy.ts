import type { Queryable, Tx } from '../db/sql.js';
import type { Actor } from '../domain/charge-request.js';
import type { Money } from '../domain/money.js';
import { dayAndMonthOf } from '../domain/periods.js';
import {
  approvalsRequired,
  budgetShare,
  checkBudgetRules,
  checkRequestRules,
  hasBudgetRules,
  type Violation,
} from '../domain/policy.js';
import { type Refusal, refuse } from '../errors.js';
import { countApprovals } from '../persistence/approvals.js';
import { appendAudit } from '../persistence/audit.js';
import { budgetUsage, lockBudgets, type UsageScope } from '../persistence/budget-usage.js';
import type { PolicySettings, UseCaseDeps } from './deps.js';

export interface PolicyCheck {
  readonly stage: 'proposal' | 'edit' | 'approval';
  readonly actor: Actor;
  readonly requesterId: string;
  readonly channelId: string;
  readonly money: Money;
  /** The request being checked (absent for a new proposal). */
  readonly requestId?: string;
  /** When the request was made: its requester's day. */
  readonly createdAt: Date;
  /** Now: the channel's month. */
  readonly now: Date;
}

/** The budget windows a check uses: the requester's day of the request, the channel's current month. */
export function usageScope(settings: PolicySettings, check: PolicyCheck): UsageScope {
  return {
    requesterId: check.requesterId,
    channelId: check.channelId,
    currency: check.money.currency,
    day: dayAndMonthOf(check.createdAt, settings.timezone).day,
    month: dayAndMonthOf(check.now, settings.timezone).month,
    excludeId: check.requestId,
  };
}

/**
 * Checks every rule inside the caller's transaction. Budget locks are taken first, so until that
 * transaction ends nobody else can check and commit against the same budgets: concurrent approvals
 * can never together exceed one. Each refusal is put on the audit trail with the rules that caused
 * it, and comes back as one `policy_refused` refusal that names every rule.
 */
export async function enforcePolicy(
  tx: Tx,
  deps: Pick<UseCaseDeps, 'policy' | 'metrics'>,
  check: PolicyCheck,
): Promise<Refusal<'policy_refused'> | undefined> {
  const settings = deps.policy;
  const violations = checkRequestRules(settings.rules, check.money);
  // Budgets are locked and summed only where a budget rule applies to this currency.
  if (hasBudgetRules(settings.rules, check.money.currency)) {
    const scope = usageScope(settings, check);
    await lockBudgets(tx, scope);
    violations.push(...checkBudgetRules(settings.rules, check.money, await budgetUsage(tx, scope)));
  }
  if (violations.length > 0) {
    await appendAudit(tx, {
      chargeRequestId: check.requestId ?? null,
      actor: check.actor,
      action: 'policy_refused',
      details: {
        stage: check.stage,
        rules: violations.map((v) => v.rule),
        reasons: violations.map((v) => v.message),
        amountMinor: check.money.amountMinor,
        currency: check.money.currency,
        requesterId: check.requesterId,
        channelId: check.channelId,
      },
      at: check.now,
    });
    deps.metrics?.policyRefused(violations.map((v) => v.rule));
    return policyRefusal(violations);
  }
  return undefined;
}

/** How a refusal reads for people and for the model: each rule named, with its numbers. */
function policyRefusal(violations: readonly Violation[]): Refusal<'policy_refused'> {
  const problems = violations.map((v) => ({ message: `policy ${v.rule.replace(/_/g, ' ')}: ${v.message}` }));
  return refuse('policy_refused', problems.map((p) => p.message).join(' '), problems);
}

export interface PolicyStatus {
  readonly requiredApprovals: number;
  /** Distinct approvals of the current version that count. */
  readonly approvals: number;
  /** Share of the channel's monthly budget used with this request included, if a budget applies. */
  readonly budgetPercent: number | undefined;
}

/** What the card shows about the rules that apply to a request now. */
export async function policyStatus(
  db: Queryable,
  settings: PolicySettings,
  request: {
    id: string;
    version: number;
    requesterId: string;
    channelId: string;
    createdAt: Date;
    amountMinor: bigint;
    currency: string;
  },
  now: Date,
): Promise<PolicyStatus> {
  const money = { amountMinor: request.amountMinor, currency: request.currency };
  const requiredApprovals = approvalsRequired(settings.rules, money);
  const approvals = await countApprovals(
    db,
    request.id,
    request.version,
    requiredApprovals > 1 ? request.requesterId : null,
  );
  const hasBudget = settings.rules.channelMonthlyBudget.has(money.currency);
  const usage = hasBudget
    ? await budgetUsage(
        db,
        usageScope(settings, {
          stage: 'approval',
          actor: 'system',
          requesterId: request.requesterId,
          channelId: request.channelId,
          money,
          requestId: request.id,
          createdAt: request.createdAt,
          now,
        }),
      )
    : undefined;
  return {
    requiredApprovals,
    approvals,
    budgetPercent: usage ? budgetShare(settings.rules, money, usage.channelThisMonth) : undefined,
  };
}
