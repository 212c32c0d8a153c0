import { APICallError, generateText, isStepCount, type LanguageModel, type ModelMessage } from 'ai';
import type { Db } from '../db/sql.js';
import type { ApproverDirectory } from '../domain/authorization.js';
import type { Clock } from '../domain/clock.js';
import type { TrustSettings } from '../domain/flags.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { recordAgentRun } from '../persistence/agent-runs.js';
import { findThreadRequests } from '../persistence/charge-requests.js';
import {
  type ConversationMessage,
  recordMessageOnce,
  type ThreadKey,
  threadHistory,
} from '../persistence/conversations.js';
import type { CustomerMatch } from '../stripe/gateway.js';
import type { PolicySettings } from '../use-cases/deps.js';
import { proposeCharge, reviseCharge } from '../use-cases/propose-charge.js';
import { AGENT_INSTRUCTIONS } from './instructions.js';
import { createAgentTools, type ProposeToolInput } from './tools.js';

export interface AgentDeps {
  readonly db: Db;
  /** Who may change a request besides its requester (the agent revises only for them). */
  readonly approvers: ApproverDirectory;
  readonly model: LanguageModel | undefined;
  readonly modelId: string;
  readonly policy: PolicySettings;
  readonly clock: Clock;
  /** Flags for approvers (DUPLICATE_WINDOW_DAYS, UNUSUAL_AMOUNT_FACTOR); defaults when absent. */
  readonly trust?: TrustSettings;
  readonly findCustomers?: (query: string) => Promise<CustomerMatch[]>;
  readonly logger: Logger;
  /** Counts model calls and tokens for GET /metrics. */
  readonly metrics?: Metrics;
  /** Whole-turn limit for the model, all steps included. */
  readonly timeoutMs?: number;
  /** Tokens of thread history sent back to the model. */
  readonly historyTokenBudget?: number;
}

export interface AgentTurn extends ThreadKey {
  readonly userId: string;
  readonly messageTs: string;
  readonly text: string;
}

export type TurnResult = { kind: 'duplicate' } | { kind: 'reply'; text: string; outcome: string };

const MAX_STEPS = 5;

const NOT_CONFIGURED =
  "I can't read requests in words yet: no AI model is configured (OPENAI_API_KEY). Use `/charges new <amount> <currency> <customer> — <description>` instead.";

/**
 * One conversation turn: record the message (once, however often Slack delivers it), let the model
 * propose or ask, record the run's usage, and return the reply for the thread.
 */
export async function runAgentTurn(
  deps: AgentDeps,
  turn: AgentTurn,
  hooks: { onAccepted?: () => Promise<void> } = {},
): Promise<TurnResult> {
  const thread: ThreadKey = { teamId: turn.teamId, channelId: turn.channelId, threadTs: turn.threadTs };
  const fresh = await recordMessageOnce(deps.db, thread, turn.messageTs, {
    role: 'user',
    userId: turn.userId,
    text: turn.text,
  });
  if (!fresh) return { kind: 'duplicate' };
  await hooks.onAccepted?.();
  if (!deps.model) return { kind: 'reply', text: NOT_CONFIGURED, outcome: 'model_not_configured' };

  const started = performance.now();
  const proposals: { requestId: string; created: boolean }[] = [];
  const scope = { teamId: turn.teamId, channelId: turn.channelId, threadTs: turn.threadTs };
  const proposalDeps = {
    db: deps.db,
    approvers: deps.approvers,
    policy: deps.policy,
    clock: deps.clock,
    trust: deps.trust,
    metrics: deps.metrics,
  };
  const toProposal = (input: ProposeToolInput) => ({
    customerName: input.customer_name,
    customerEmail: input.customer_email || undefined,
    amount: input.amount,
    currency: input.currency,
    description: input.description,
  });
  const tools = createAgentTools({
    propose: (input) =>
      proposeCharge(
        proposalDeps,
        {
          source: 'agent',
          ...scope,
          requesterId: turn.userId,
          stripeCustomerId: input.stripe_customer_id ?? null,
          confirmDuplicateOf: input.confirm_duplicate_of || undefined,
        },
        toProposal(input),
      ),
    revise: (reference, input) => reviseCharge(proposalDeps, reference, turn.userId, toProposal(input), { scope }),
    threadRequests: () => findThreadRequests(deps.db, scope),
    findCustomers: deps.findCustomers,
    onProposal: (p) => proposals.push(p),
  });

  let reply: string;
  let outcome: string;
  let error: string | null = null;
  let usage = { inputTokens: 0, outputTokens: 0, totalTokens: 0 };
  try {
    const history = await threadHistory(deps.db, thread, deps.historyTokenBudget ?? 4000);
    const result = await generateText({
      model: deps.model,
      instructions: AGENT_INSTRUCTIONS,
      messages: toModelMessages(history),
      tools,
      stopWhen: isStepCount(MAX_STEPS),
      maxRetries: 1,
      timeout: { totalMs: deps.timeoutMs ?? 60_000 },
    });
    usage = {
      inputTokens: result.usage.inputTokens ?? 0,
      outputTokens: result.usage.outputTokens ?? 0,
      totalTokens: result.usage.totalTokens ?? (result.usage.inputTokens ?? 0) + (result.usage.outputTokens ?? 0),
    };
    const last = proposals.at(-1);
    outcome = last ? (last.created ? 'proposed' : 'revised') : 'replied';
    reply =
      result.text.trim() ||
      (last
        ? 'Done: the approval card is in this thread.'
        : 'Sorry, I could not work that out. Could you say it another way?');
  } catch (caught) {
    const failure = describeModelFailure(caught);
    outcome = failure.outcome;
    error = failure.detail;
    deps.logger.warn({ err: caught, outcome, channel: turn.channelId }, 'agent turn failed');
    reply = proposals.length
      ? `${failure.message} The proposal I had already made is in this thread and waits for approval.`
      : `${failure.message} Nothing was created. Please ask again in a minute, or use \`/charges new\`.`;
  }

  const latencyMs = Math.round(performance.now() - started);
  deps.metrics?.modelCall(outcome, { input: usage.inputTokens, output: usage.outputTokens });
  await recordMessageOnce(deps.db, thread, `reply:${turn.messageTs}`, {
    role: 'assistant',
    userId: null,
    text: reply,
  });
  await recordAgentRun(deps.db, {
    ...scope,
    userId: turn.userId,
    model: deps.modelId,
    ...usage,
    latencyMs,
    outcome,
    error,
    chargeRequestId: proposals.at(-1)?.requestId ?? null,
    at: deps.clock.now(),
  });
  deps.logger.info({ outcome, latencyMs, ...usage, channel: turn.channelId }, 'agent turn finished');
  return { kind: 'reply', text: reply, outcome };
}

function toModelMessages(history: readonly ConversationMessage[]): ModelMessage[] {
  return history.map((m) =>
    m.role === 'assistant'
      ? { role: 'assistant', content: m.text }
      : { role: 'user', content: `Message from Slack user ${m.userId ?? 'unknown'}:\n${m.text}` },
  );
}

/** Plain words for what went wrong with the model, and a short code for the run record. */
export function describeModelFailure(error: unknown): { outcome: string; message: string; detail: string } {
  const detail = error instanceof Error ? error.message.slice(0, 500) : String(error);
  const status = findStatus(error);
  if (status === 429) {
    return { outcome: 'model_rate_limited', message: 'The AI model is rate-limited right now.', detail };
  }
  if (status !== undefined && status >= 500) {
    return { outcome: 'model_unavailable', message: `The AI model had an error (HTTP ${status}).`, detail };
  }
  if (status === 401 || status === 403) {
    return {
      outcome: 'model_auth_failed',
      message: 'The AI model refused our credentials; an admin should check OPENAI_API_KEY.',
      detail,
    };
  }
  if (error instanceof Error && /timeout|timed out|aborted/i.test(`${error.name} ${error.message}`)) {
    return { outcome: 'model_timeout', message: 'The AI model took too long to answer.', detail };
  }
  return { outcome: 'model_failed', message: "I couldn't get a usable answer from the AI model.", detail };
}

function findStatus(error: unknown): number | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 5; depth++) {
    if (APICallError.isInstance(e)) return e.statusCode;
    const nested = (e as { lastError?: unknown; cause?: unknown }).lastError ?? (e as { cause?: unknown }).cause;
    e = nested;
  }
  return undefined;
}
