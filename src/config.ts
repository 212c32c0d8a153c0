import { existsSync, readFileSync } from 'node:fs';
import dotenv from 'dotenv';
import { IANAZone } from 'luxon';
import { z } from 'zod';
import { SUPPORTED_CURRENCIES } from './domain/currencies.js';
import { parseDuration } from './domain/duration.js';
import { parseFactor, type TrustSettings } from './domain/flags.js';
import { type Policy, parsePerCurrency } from './domain/policy.js';
import { parseWorkingHours, type WorkingHours } from './domain/working-hours.js';
import { AppError } from './errors.js';

/** Variables whose values are never printed, in errors or in logs. */
export const SECRET_VARIABLES = [
  'DATABASE_URL',
  'SLACK_BOT_TOKEN',
  'SLACK_SIGNING_SECRET',
  'SLACK_APP_TOKEN',
  'OPENAI_API_KEY',
  'STRIPE_SECRET_KEY',
  'STRIPE_WEBHOOK_SECRET',
  'METRICS_TOKEN',
] as const;

const SECRET_SET: ReadonlySet<string> = new Set(SECRET_VARIABLES);

const commaList = (item: z.ZodString, what: string) =>
  z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    )
    .pipe(z.array(item, { error: `must be a comma-separated list of ${what}` }));

/** "USD:5000, EUR:4000" → exact minor units per currency (see domain/policy.ts). */
const perCurrency = z
  .string()
  .optional()
  .transform((text, ctx) => {
    const parsed = parsePerCurrency(text);
    if (!parsed.ok) {
      ctx.addIssue({ code: 'custom', message: parsed.message });
      return z.NEVER;
    }
    return parsed.value;
  });

const toMs = (options: { allowZero?: boolean }) => (text: string, ctx: z.RefinementCtx) => {
  const parsed = parseDuration(text, options);
  if (!parsed.ok) {
    ctx.addIssue({ code: 'custom', message: parsed.message });
    return z.NEVER;
  }
  return parsed.ms;
};

/** A duration variable (`90s`, `30m`, `4h`, `30d`) in milliseconds; `0` only where it means "never". */
export const durationVar = (fallback: string, options: { allowZero?: boolean } = {}) =>
  z.string().default(fallback).transform(toMs(options));

/** A duration variable that is off when unset. */
const optionalDurationVar = () =>
  z
    .string()
    .optional()
    .transform((text, ctx) => (text === undefined ? undefined : toMs({})(text, ctx)));

/** all: one process does everything; web: HTTP and Slack, records and enqueues; worker: queues and jobs. */
export const ROLES = ['all', 'web', 'worker'] as const;
export type Role = (typeof ROLES)[number];

const slackUserId = z.string().regex(/^[UW][A-Z0-9]{2,}$/, 'Slack user ids look like U0123ABCD');
const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

const schema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    LOG_FORMAT: z.enum(['pretty', 'json'], { error: 'must be "pretty" or "json"' }).optional(),
    ROLE: z.enum(ROLES, { error: 'must be "all", "web" or "worker"' }).default('all'),
    METRICS_TOKEN: z.string().min(1).optional(),
    QUEUE_RETENTION: durationVar('30d'),
    PORT: z.coerce
      .number({ error: 'must be a port number' })
      .int('must be a whole number')
      .min(0)
      .max(65535, 'must be at most 65535')
      .default(3000),
    DATABASE_URL: z
      .url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// or postgresql:// URL' })
      .optional(),
    DATA_DIR: z.string().min(1).default('.data'),
    SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),

    SLACK_BOT_TOKEN: z.string().startsWith('xoxb-', 'must be a bot token starting with xoxb-').optional(),
    SLACK_SIGNING_SECRET: z
      .string()
      .regex(/^[0-9a-f]{16,}$/i, 'must be the hex signing secret')
      .optional(),
    SLACK_APP_TOKEN: z.string().startsWith('xapp-', 'must be an app-level token starting with xapp-').optional(),
    SLACK_API_URL: httpUrl.optional(),

    OPENAI_API_KEY: z.string().min(1).optional(),
    OPENAI_MODEL: z.string().min(1).default('gpt-5-mini'),
    OPENAI_BASE_URL: httpUrl.optional(),
    OPENAI_API: z.enum(['responses', 'chat'], { error: 'must be "responses" or "chat"' }).default('responses'),

    STRIPE_SECRET_KEY: z
      .string()
      .regex(/^(sk|rk)_(test|live)_\w+$/, 'must be a secret (sk_…) or restricted (rk_…) key')
      .optional(),
    STRIPE_WEBHOOK_SECRET: commaList(
      z.string().startsWith('whsec_', 'each secret starts with whsec_'),
      'whsec_ secrets',
    ).optional(),
    STRIPE_API_BASE: httpUrl.optional(),

    APPROVER_USER_IDS: commaList(slackUserId, 'Slack user ids').default([]),
    APPROVER_USERGROUP_ID: z
      .string()
      .regex(/^S[A-Z0-9]{2,}$/, 'Slack user group ids look like S0123ABCD')
      .optional(),
    ADMIN_USER_IDS: commaList(slackUserId, 'Slack user ids').default([]),
    ALLOW_SELF_APPROVAL: z
      .enum(['true', 'false'], { error: 'must be true or false' })
      .default('false')
      .transform((v) => v === 'true'),
    REPORT_TIMEZONE: z
      .string()
      .refine((zone) => IANAZone.isValidZone(zone), 'must be an IANA time zone such as UTC or Europe/Berlin')
      .default('UTC'),
    AI_PRICE_INPUT_PER_MTOK_USD: z
      .string()
      .regex(/^\d{1,4}(\.\d{1,6})?$/, 'must be a decimal such as 0.25')
      .default('0.25'),
    AI_PRICE_OUTPUT_PER_MTOK_USD: z
      .string()
      .regex(/^\d{1,4}(\.\d{1,6})?$/, 'must be a decimal such as 2.00')
      .default('2.00'),
    POLICY_ALLOWED_CURRENCIES: z
      .string()
      .transform((v) =>
        v
          .split(',')
          .map((c) => c.trim().toUpperCase())
          .filter(Boolean),
      )
      .refine(
        (list) => list.every((c) => SUPPORTED_CURRENCIES.includes(c)),
        `must list supported ISO codes (${SUPPORTED_CURRENCIES.slice(0, 5).join(', ')}, …)`,
      )
      .optional(),
    POLICY_MAX_PER_REQUEST: perCurrency,
    POLICY_HARD_CAP: perCurrency,
    POLICY_REQUESTER_DAILY_LIMIT: perCurrency,
    POLICY_CHANNEL_MONTHLY_BUDGET: perCurrency,
    POLICY_TWO_APPROVERS_ABOVE: perCurrency,
    RECONCILE_INTERVAL_MS: z.coerce.number().int().min(0).max(86_400_000).default(600_000),
    DUPLICATE_WINDOW_DAYS: z.coerce
      .number({ error: 'must be a number of days' })
      .int('must be a whole number of days')
      .min(1, 'must be at least 1 day')
      .max(365, 'must be at most 365 days')
      .default(14),
    UNUSUAL_AMOUNT_FACTOR: z
      .string()
      .default('3')
      .transform((text, ctx) => {
        const hundredths = parseFactor(text);
        if (hundredths === undefined) {
          ctx.addIssue({
            code: 'custom',
            message: 'must be a number above 1 with at most two decimals, such as 3 or 2.5',
          });
          return z.NEVER;
        }
        return hundredths;
      }),
    LINK_DELAY_ALERT: durationVar('5m'),
    FINANCE_CHANNEL_ID: z
      .string()
      .regex(/^[CG][A-Z0-9]{2,}$/, 'Slack channel ids look like C0123ABCD')
      .optional(),
    APPROVAL_NOTIFY: z.enum(['channel', 'dm', 'both'], { error: 'must be channel, dm or both' }).optional(),
    REMIND_AFTER: durationVar('4h', { allowZero: true }),
    WORKING_HOURS: z
      .string()
      .default('Mon-Fri 09:00-18:00')
      .transform((text, ctx) => {
        const parsed = parseWorkingHours(text);
        if (!parsed.ok) {
          ctx.addIssue({ code: 'custom', message: parsed.message });
          return z.NEVER;
        }
        return parsed.hours;
      }),
    ESCALATE_AFTER: durationVar('24h'),
    ESCALATION_USER_IDS: commaList(slackUserId, 'Slack user ids').default([]),
    ESCALATION_USERGROUP_ID: z
      .string()
      .regex(/^S[A-Z0-9]{2,}$/, 'Slack user group ids look like S0123ABCD')
      .optional(),
    REQUEST_EXPIRES_AFTER: optionalDurationVar(),
    LINK_EXPIRES_AFTER: durationVar('30d', { allowZero: true }),
  })
  .superRefine((env, ctx) => {
    if (env.SLACK_BOT_TOKEN && !env.SLACK_SIGNING_SECRET && !env.SLACK_APP_TOKEN) {
      ctx.addIssue({
        code: 'custom',
        path: ['SLACK_SIGNING_SECRET'],
        message: 'is required with SLACK_BOT_TOKEN in HTTP mode (or set SLACK_APP_TOKEN for Socket Mode)',
      });
    }
    if ((env.SLACK_SIGNING_SECRET || env.SLACK_APP_TOKEN) && !env.SLACK_BOT_TOKEN) {
      ctx.addIssue({ code: 'custom', path: ['SLACK_BOT_TOKEN'], message: 'is required once Slack is configured' });
    }
  });

type Env = z.infer<typeof schema>;

export interface Config {
  readonly env: Env['NODE_ENV'];
  readonly logLevel: Env['LOG_LEVEL'];
  /** LOG_FORMAT when set; otherwise main.ts chooses (pretty on a terminal in development, else JSON). */
  readonly logFormat: Env['LOG_FORMAT'];
  readonly role: Role;
  /** When set, GET /metrics requires `Authorization: Bearer <token>`. */
  readonly metricsToken: string | undefined;
  /** Delivered and processed queue rows older than this are deleted (ms). */
  readonly queueRetentionMs: number;
  readonly port: number;
  /** Unset: an embedded PostgreSQL is started with its data under `dataDir`. */
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  readonly shutdownTimeoutMs: number;
  readonly slack: {
    readonly botToken: string | undefined;
    readonly signingSecret: string | undefined;
    readonly appToken: string | undefined;
    readonly apiUrl: string | undefined;
  };
  readonly openai: {
    readonly apiKey: string | undefined;
    readonly model: string;
    readonly baseUrl: string | undefined;
    readonly api: Env['OPENAI_API'];
  };
  readonly stripe: {
    readonly secretKey: string | undefined;
    readonly webhookSecrets: readonly string[];
    readonly apiBase: string | undefined;
  };
  readonly people: {
    readonly approverUserIds: readonly string[];
    readonly approverUsergroupId: string | undefined;
    readonly adminUserIds: readonly string[];
    /** Requesters may approve their own requests (tiny teams only). */
    readonly allowSelfApproval: boolean;
  };
  /** Reports: the time zone periods are cut in, and model prices for the cost estimate. */
  readonly reports: {
    readonly timezone: string;
    /** USD per million tokens, as exact decimal strings. */
    readonly inputPricePerMTokUsd: string;
    readonly outputPricePerMTokUsd: string;
  };
  /** Spending controls, enforced at proposal and again, atomically, at approval. */
  readonly policy: Policy;
  /** How often open payment links are reconciled against Stripe (0 turns it off). */
  readonly reconcileIntervalMs: number;
  /** Flags for approvers: the duplicate window and what counts as an unusual amount. */
  readonly trust: TrustSettings;
  /** An approved request without a link for this long is announced as delayed (LINK_DELAY_ALERT). */
  readonly linkDelayAlertMs: number;
  /** Where approval cards are mirrored for finance, if anywhere. */
  readonly financeChannelId: string | undefined;
  /** How approvers hear about requests, and what happens as time passes. */
  readonly workflow: WorkflowConfig;
  /** Every secret value in this configuration, for log redaction. */
  readonly secrets: readonly string[];
}

export interface WorkflowConfig {
  /**
   * `channel`: approvers see cards in channels (the request's, and the FINANCE_CHANNEL_ID mirror when
   * set); `dm`: each eligible approver gets the card by DM (no finance mirror); `both`.
   */
  readonly notify: 'channel' | 'dm' | 'both';
  /** 0: no reminders. */
  readonly remindAfterMs: number;
  /** Reminders go out only within these hours of REPORT_TIMEZONE. */
  readonly workingHours: WorkingHours;
  readonly escalateAfterMs: number;
  readonly escalationUserIds: readonly string[];
  readonly escalationUsergroupId: string | undefined;
  /** Undefined: undecided requests never expire. */
  readonly requestExpiresAfterMs: number | undefined;
  /** 0: links never expire. */
  readonly linkExpiresAfterMs: number;
}

/**
 * Reads `.env` (when present) under the process environment: a variable set in the environment wins.
 * Empty values count as unset, so `SLACK_APP_TOKEN=` in a copied `.env.example` means "not used".
 */
export function readEnvironment(env: NodeJS.ProcessEnv = process.env, envFile = '.env'): Record<string, string> {
  const fromFile = existsSync(envFile) ? dotenv.parse(readFileSync(envFile)) : {};
  const merged: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...fromFile, ...env })) {
    if (value !== undefined && value.trim() !== '') merged[key] = value.trim();
  }
  return merged;
}

/** Validates every variable at once; throws one `config_invalid` error that lists each problem. */
export function loadConfig(raw: Record<string, string | undefined>): Config {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? 'configuration');
      const value = raw[name];
      const shown = value === undefined ? 'unset' : SECRET_SET.has(name) ? 'value hidden' : `got "${value}"`;
      return `  - ${name}: ${issue.message} (${shown})`;
    });
    throw new AppError(
      'config_invalid',
      [
        `Countersign cannot start: ${problems.length} configuration ${problems.length === 1 ? 'problem' : 'problems'}.`,
        ...problems,
        'Fix them in the environment or in .env; .env.example documents every variable.',
      ].join('\n'),
    );
  }
  const e = parsed.data;
  return {
    env: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
    role: e.ROLE,
    metricsToken: e.METRICS_TOKEN,
    queueRetentionMs: e.QUEUE_RETENTION,
    port: e.PORT,
    databaseUrl: e.DATABASE_URL,
    dataDir: e.DATA_DIR,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    slack: {
      botToken: e.SLACK_BOT_TOKEN,
      signingSecret: e.SLACK_SIGNING_SECRET,
      appToken: e.SLACK_APP_TOKEN,
      apiUrl: e.SLACK_API_URL,
    },
    openai: { apiKey: e.OPENAI_API_KEY, model: e.OPENAI_MODEL, baseUrl: e.OPENAI_BASE_URL, api: e.OPENAI_API },
    stripe: {
      secretKey: e.STRIPE_SECRET_KEY,
      webhookSecrets: e.STRIPE_WEBHOOK_SECRET ?? [],
      apiBase: e.STRIPE_API_BASE,
    },
    people: {
      approverUserIds: e.APPROVER_USER_IDS,
      approverUsergroupId: e.APPROVER_USERGROUP_ID,
      adminUserIds: e.ADMIN_USER_IDS,
      allowSelfApproval: e.ALLOW_SELF_APPROVAL,
    },
    financeChannelId: e.FINANCE_CHANNEL_ID,
    trust: { duplicateWindowDays: e.DUPLICATE_WINDOW_DAYS, unusualFactorHundredths: e.UNUSUAL_AMOUNT_FACTOR },
    workflow: {
      notify: e.APPROVAL_NOTIFY ?? (e.FINANCE_CHANNEL_ID ? 'channel' : 'dm'),
      remindAfterMs: e.REMIND_AFTER,
      workingHours: e.WORKING_HOURS,
      escalateAfterMs: e.ESCALATE_AFTER,
      escalationUserIds: e.ESCALATION_USER_IDS,
      escalationUsergroupId: e.ESCALATION_USERGROUP_ID,
      requestExpiresAfterMs: e.REQUEST_EXPIRES_AFTER,
      linkExpiresAfterMs: e.LINK_EXPIRES_AFTER,
    },
    reconcileIntervalMs: e.RECONCILE_INTERVAL_MS,
    linkDelayAlertMs: e.LINK_DELAY_ALERT,
    policy: {
      allowedCurrencies: e.POLICY_ALLOWED_CURRENCIES?.length ? new Set(e.POLICY_ALLOWED_CURRENCIES) : undefined,
      maxPerRequest: e.POLICY_MAX_PER_REQUEST,
      hardCap: e.POLICY_HARD_CAP,
      requesterDailyLimit: e.POLICY_REQUESTER_DAILY_LIMIT,
      channelMonthlyBudget: e.POLICY_CHANNEL_MONTHLY_BUDGET,
      twoApproversAbove: e.POLICY_TWO_APPROVERS_ABOVE,
    },
    reports: {
      timezone: e.REPORT_TIMEZONE,
      inputPricePerMTokUsd: e.AI_PRICE_INPUT_PER_MTOK_USD,
      outputPricePerMTokUsd: e.AI_PRICE_OUTPUT_PER_MTOK_USD,
    },
    secrets: SECRET_VARIABLES.flatMap((name) => (raw[name] ? [raw[name], ...raw[name].split(',')] : [])).filter(
      (s) => s.length >= 8,
    ),
  };
}

/** Names of the variables a feature still lacks; empty when it can run. */
export function missingFor(config: Config, feature: 'slack' | 'model' | 'stripe' | 'stripe_webhooks'): string[] {
  switch (feature) {
    case 'slack':
      return config.slack.botToken ? [] : ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN)'];
    case 'model':
      return config.openai.apiKey ? [] : ['OPENAI_API_KEY'];
    case 'stripe':
      return config.stripe.secretKey ? [] : ['STRIPE_SECRET_KEY'];
    case 'stripe_webhooks':
      return config.stripe.webhookSecrets.length > 0 ? [] : ['STRIPE_WEBHOOK_SECRET'];
  }
}
