import { type DestinationStream, type Logger, pino } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

/** `pretty`: coloured, one line per event, for a person at a terminal. `json`: one JSON object per line. */
export type LogFormat = 'pretty' | 'json';

/**
 * LOG_FORMAT when set; otherwise pretty on a terminal in development, and JSON everywhere else
 * (production, tests, pipes, log collectors).
 */
export function chooseLogFormat(options: {
  readonly configured: LogFormat | undefined;
  readonly env: string;
  readonly isTTY: boolean;
}): LogFormat {
  return options.configured ?? (options.isTTY && options.env === 'development' ? 'pretty' : 'json');
}

const REDACTED = '[redacted]';

/** Shapes of credentials we may meet even when they are not our own configured values. */
const CREDENTIAL_PATTERNS: readonly RegExp[] = [
  /\bxox[abposr]-[A-Za-z0-9-]+/g, // Slack bot/user tokens
  /\bxapp-[A-Za-z0-9-]+/g, // Slack app-level tokens
  /\b(?:sk|rk|pk)_(?:test|live)_[A-Za-z0-9]+/g, // Stripe keys
  /\bwhsec_[A-Za-z0-9+/=]+/g, // Stripe webhook secrets
  /\bsk-[A-Za-z0-9_-]{16,}/g, // OpenAI keys
  /(?<=\bBearer\s+)[^\s"']+/gi,
  /(?<=\bpostgres(?:ql)?:\/\/[^:/@\s]+:)[^@\s]+(?=@)/g, // passwords inside connection URLs
];

/** Replaces every known secret and anything shaped like a credential in `text`. */
export function redactText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join(REDACTED);
  for (const pattern of CREDENTIAL_PATTERNS) out = out.replace(pattern, REDACTED);
  return out;
}

function redactDeep(value: unknown, secrets: readonly string[], depth = 0): unknown {
  if (typeof value === 'string') return redactText(value, secrets);
  // Errors keep their type, message, stack and causes: serialise them here, before scrubbing.
  if (value instanceof Error) {
    const { raw: _raw, ...serialised } = pino.stdSerializers.err(value);
    return redactDeep({ ...serialised }, secrets, depth);
  }
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, secrets, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = redactDeep(v, secrets, depth + 1);
  return out;
}

export interface LoggerOptions {
  readonly level: string;
  /** Configured secret values; they are replaced wherever they appear in a log line. */
  readonly secrets?: readonly string[];
  readonly destination?: DestinationStream;
  /** Default `json`. */
  readonly format?: LogFormat;
}

/**
 * Structured logs, one line per event, with every secret redacted before it is written: JSON, or
 * pino-pretty's coloured lines for a person (formatted in-process and synchronously, so nothing is
 * lost when the process exits, and the redaction above applies to both).
 */
export function createLogger({ level, secrets = [], destination, format = 'json' }: LoggerOptions): Logger {
  const target =
    format === 'pretty'
      ? pretty({
          colorize: destination === undefined && pretty.isColorSupported,
          sync: true,
          translateTime: 'SYS:HH:MM:ss',
          ignore: 'pid,hostname,service',
          destination: destination ?? 1,
        })
      : destination;
  return pino(
    {
      level,
      base: { service: 'countersign' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        log: (object) => redactDeep(object, secrets) as Record<string, unknown>,
      },
      hooks: {
        logMethod(args, method) {
          const scrubbed = args.map((a) => (typeof a === 'string' ? redactText(a, secrets) : a));
          method.apply(this, scrubbed as Parameters<typeof method>);
        },
      },
      // pino runs serializers after formatters.log, which has already serialised errors (above).
      serializers: { err: (value: unknown) => value },
      redact: {
        paths: ['*.authorization', '*.headers.authorization', '*.token', '*.secret', '*.password', '*.apiKey'],
        censor: REDACTED,
      },
    },
    target,
  );
}
