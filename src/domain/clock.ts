/**
 * Where "now" comes from. Everything time-driven (approvals' timestamps, budgets' days, sweeps)
 * asks a clock, so tests move time instead of waiting for it.
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
