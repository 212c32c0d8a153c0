import type Stripe from 'stripe';
import type { DataSource } from 'typeorm';
import type { ApproverDirectory } from '../domain/authorization.js';
import type { Logger } from '../logger.js';
import type { PolicyDeps } from './enforce-policy.js';

/** What the approval use cases need: the database, the outbox's wake-up, Stripe and the approver list. */
export interface ChargeDeps {
  readonly dataSource: DataSource;
  readonly wakeOutbox: () => void;
  /** Undefined when STRIPE_SECRET_KEY is not set: approvals still work, links fail with a clear reason. */
  readonly stripe: Stripe | undefined;
  readonly approvers: ApproverDirectory;
  readonly allowSelfApproval: boolean;
  readonly policy: PolicyDeps;
  readonly logger: Logger;
}

/** The answer for the person who clicked: `message` is shown to them (ephemeral), if present. */
export type ActionResult = { ok: true; message?: string } | { ok: false; message: string };
