import type { Queryable } from '../db/sql.js';

export interface AgentRunRecord {
  readonly teamId: string;
  readonly channelId: string;
  readonly threadTs: string | null;
  readonly userId: string;
  readonly model: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly totalTokens: number;
  readonly latencyMs: number;
  /** proposed | revised | replied | error kinds (model_timeout, model_rate_limited, …) */
  readonly outcome: string;
  readonly error: string | null;
  readonly chargeRequestId: string | null;
  /** When the turn ended, by the app's clock: the report counts the run in the period it falls in. */
  readonly at: Date;
}

export async function recordAgentRun(db: Queryable, run: AgentRunRecord): Promise<void> {
  await db.query(
    `INSERT INTO agent_runs (team_id, channel_id, thread_ts, user_id, model, input_tokens, output_tokens, total_tokens,
       latency_ms, outcome, error, charge_request_id, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
    [
      run.teamId,
      run.channelId,
      run.threadTs,
      run.userId,
      run.model,
      run.inputTokens,
      run.outputTokens,
      run.totalTokens,
      run.latencyMs,
      run.outcome,
      run.error,
      run.chargeRequestId,
      run.at,
    ],
  );
}
