import type { AgentDeps } from '../agent/run-agent.js';
import type { Logger } from '../logger.js';
import type { UseCaseDeps } from '../use-cases/deps.js';
import type { ReconcileSummary } from '../use-cases/reconcile-payments.js';
import type { ModelPrices } from '../use-cases/usage-report.js';

/** What the admin subcommands need beyond the use cases. */
export interface AdminSettings {
  readonly adminUserIds: readonly string[];
  /** Undefined when Stripe is not configured. */
  readonly reconcile: (() => Promise<ReconcileSummary>) | undefined;
  /** REPORT_TIMEZONE: where report periods are cut. */
  readonly timezone: string;
  readonly prices: ModelPrices;
}

/** Everything the Slack listeners hand to use cases. */
export interface SlackDeps {
  readonly useCases: UseCaseDeps;
  readonly agent: AgentDeps;
  readonly admin: AdminSettings;
  readonly logger: Logger;
}
