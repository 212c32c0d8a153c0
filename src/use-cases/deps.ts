import type { Db } from '../db/sql.js';
import type { ApproverDirectory } from '../domain/authorization.js';
import type { Clock } from '../domain/clock.js';
import type { TrustSettings } from '../domain/flags.js';
import type { Policy } from '../domain/policy.js';
import type { Result } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { StripeGateway } from '../stripe/gateway.js';

/** The spending rules and the time zone their days and months are cut in (REPORT_TIMEZONE). */
export interface PolicySettings {
  readonly rules: Policy;
  readonly timezone: string;
}

/** Everything the use cases work with; each takes only the parts it needs. */
export interface UseCaseDeps {
  readonly db: Db;
  /** Undefined when STRIPE_SECRET_KEY is not set: approvals still work, links fail with a clear reason. */
  readonly stripe: StripeGateway | undefined;
  readonly approvers: ApproverDirectory;
  /** Requesters may approve their own requests (tiny teams only). */
  readonly allowSelfApproval: boolean;
  readonly policy: PolicySettings;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Flags for approvers (DUPLICATE_WINDOW_DAYS, UNUSUAL_AMOUNT_FACTOR); defaults when absent. */
  readonly trust?: TrustSettings;
  /** Counts what happens (payment links, policy refusals) for GET /metrics; absent where nobody scrapes. */
  readonly metrics?: Metrics;
}

/** The answer for the person who clicked: `message`, if present, is shown to them alone. */
export type ActionResult = Result<{ message?: string }>;
