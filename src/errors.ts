/**
 * One way to say no. Domain rules and use cases return a `Refusal` (a code for machines, a sentence
 * for people) rather than throwing; Slack (`slack/refusals.ts`) and HTTP (`http/server.ts`) each
 * translate it in one place. Thrown errors are defects and outages, plus `AppError`: a refusal that
 * must stop what is running (an invalid configuration at startup).
 */
export type RefusalCode =
  /** The input is wrong (an amount, a field): the message says how to fix it. */
  | 'invalid_input'
  /** A spending rule says no: the message names the rule and its numbers. */
  | 'policy_refused'
  /** This person may not do this (not an approver, not an admin, their own request). */
  | 'forbidden'
  | 'not_found'
  /** Someone else changed the request first (a version or status moved meanwhile). */
  | 'conflict'
  /** The state machine does not allow this now (already approved, no longer cancelable). */
  | 'wrong_state'
  /** Nothing to do: it is done already (the same approver approving twice). */
  | 'already_done'
  /** A feature lacks its configuration (STRIPE_SECRET_KEY, …). */
  | 'not_configured'
  /** An outside service (Stripe, Slack) did not do it; trying again later may work. */
  | 'unavailable'
  /** An outside service refused for good (a key, a permission, a parameter): a person must fix something. */
  | 'service_refused'
  /** The configuration cannot run. */
  | 'config_invalid';

/** One wrong field of an input with several (a modal, a tool call). */
export interface Problem {
  /** The input field it concerns (`amount`, `currency`, `customerName`, …), when there is one. */
  readonly field?: string;
  readonly message: string;
}

export interface Refusal<C extends string = RefusalCode> {
  readonly ok: false;
  readonly code: C;
  /** What happened and what to do next; safe to show to a person or to the model. */
  readonly message: string;
  readonly problems?: readonly Problem[];
}

/** Success with a payload, or a refusal. */
export type Result<T extends object = object, C extends string = RefusalCode> =
  | ({ readonly ok: true } & T)
  | Refusal<C>;

export function refuse<C extends string>(code: C, message: string, problems?: readonly Problem[]): Refusal<C> {
  return problems?.length ? { ok: false, code, message, problems } : { ok: false, code, message };
}

/** A refusal built from field problems: the message lists them all. */
export function invalidInput(problems: readonly Problem[]): Refusal<'invalid_input'> {
  const message = problems.map((p) => (p.field ? `${p.field}: ${p.message}` : p.message)).join('; ');
  return refuse('invalid_input', message, problems);
}

/** Codes that are part of normal operation; anything else reaching a log is logged as an error. */
const EXPECTED: ReadonlySet<RefusalCode> = new Set([
  'invalid_input',
  'policy_refused',
  'forbidden',
  'not_found',
  'conflict',
  'wrong_state',
  'already_done',
  'not_configured',
  'config_invalid',
]);

export function isExpected(code: string): boolean {
  return EXPECTED.has(code as RefusalCode);
}

/** A refusal that is thrown: it stops the work in hand (startup with an invalid configuration). */
export class AppError extends Error implements Refusal {
  readonly ok = false;
  readonly code: RefusalCode;

  constructor(code: RefusalCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AppError';
    this.code = code;
  }
}

export function isAppError(error: unknown, code?: RefusalCode): error is AppError {
  return error instanceof AppError && (code === undefined || error.code === code);
}
