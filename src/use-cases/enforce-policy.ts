import type { EntityManager } from 'typeorm';
import type { Actor } from '../domain/charge-request.js';
import type { Money } from '../domain/money.js';
import { dayAndMonthOf } from '../domain/periods.js';
import {
  approvalsRequired,
  budgetShare,
  checkBudgetRules,
  checkRequestRules,
  type Policy,
  type Violation,
} from '../domain/policy.js';
import { countApprovals } from '../persistence/approvals.js';
import { appendAudit } from '../persistence/audit.js';
import { budgetUsage, lockBudgets, type UsageScope } from '../persistence/budget-usage.js';

export interface PolicyDeps {
  readonly policy: Policy;
  /** Where days and months begin (REPORT_TIMEZONE). */
  readonly timezone: string;
}

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
}

/** The budget windows a check uses: the requester's day of the request, the channel's current month. */
export function usageScope(deps: PolicyDeps, check: PolicyCheck): UsageScope {
  return {
    requesterId: check.requesterId,
    channelId: check.channelId,
    currency: check.money.currency,
    day: dayAndMonthOf(check.createdAt, deps.timezone).day,
    month: dayAndMonthOf(new Date(), deps.timezone).month,
    excludeId: check.requestId,
  };
}

/**
 * Checks every rule inside the caller's transaction. Budget locks are taken first, so until that
 * transaction ends nobody else can check and commit against the same budgets: concurrent approvals
 * can never together exceed one. Each refusal is put on the audit trail with the rules that caused it.
 */
export async function enforcePolicy(
  manager: EntityManager,
  deps: PolicyDeps,
  check: PolicyCheck,
): Promise<Violation[]> {
  const scope = usageScope(deps, check);
  await lockBudgets(manager, scope);
  const violations = [
    ...checkRequestRules(deps.policy, check.money),
    ...checkBudgetRules(deps.policy, check.money, await budgetUsage(manager, scope)),
  ];
  if (violations.length > 0) {
    await appendAudit(manager, {
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
    });
  }
  return violations;
}

/** How a refusal reads for people and for the model: each rule named, with its numbers. */
export function describeViolations(violations: readonly Violation[]): string[] {
  return violations.map((v) => `policy ${v.rule.replace(/_/g, ' ')}: ${v.message}`);
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
  manager: EntityManager,
  deps: PolicyDeps,
  request: {
    id: string;
    version: number;
    requesterId: string;
    channelId: string;
    createdAt: Date;
    amountMinor: bigint;
    currency: string;
  },
): Promise<PolicyStatus> {
  const money = { amountMinor: request.amountMinor, currency: request.currency };
  const requiredApprovals = approvalsRequired(deps.policy, money);
  const approvals = await countApprovals(
    manager,
    request.id,
    request.version,
    requiredApprovals > 1 ? request.requesterId : null,
  );
  const hasBudget = deps.policy.channelMonthlyBudget.has(money.currency);
  const usage = hasBudget
    ? await budgetUsage(
        manager,
        usageScope(deps, {
          stage: 'approval',
          actor: 'system',
          requesterId: request.requesterId,
          channelId: request.channelId,
          money,
          requestId: request.id,
          createdAt: request.createdAt,
        }),
      )
    : undefined;
  return {
    requiredApprovals,
    approvals,
    budgetPercent: usage ? budgetShare(deps.policy, money, usage.channelThisMonth) : undefined,
  };
}
