/**
 * Coded errors. `expected` errors are part of normal operation (a conflict, bad input) and are logged
 * at warn without a stack; anything else is a defect or an outage and is logged at error.
 */
export type ErrorCode =
  | 'config_invalid'
  | 'feature_not_configured'
  | 'not_found'
  | 'transition_conflict'
  | 'invalid_input'
  | 'forbidden'
  | 'stripe_failed'
  | 'slack_failed'
  | 'model_failed';

const EXPECTED: ReadonlySet<ErrorCode> = new Set([
  'config_invalid',
  'feature_not_configured',
  'not_found',
  'transition_conflict',
  'invalid_input',
  'forbidden',
]);

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly expected: boolean;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AppError';
    this.code = code;
    this.expected = EXPECTED.has(code);
  }
}

export function isAppError(error: unknown, code?: ErrorCode): error is AppError {
  return error instanceof AppError && (code === undefined || error.code === code);
}
