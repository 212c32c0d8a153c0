import type { ChargeRequestRow } from '../db/entities.js';
import type { Money } from './money.js';

/** A charge request as the domain sees it: the stored row plus its human-friendly reference. */
export interface ChargeRequest extends Omit<ChargeRequestRow, 'chargeRequest'> {
  readonly reference: string;
}

/** Who did something: a Slack user id (`U…`), or one of the system actors. */
export type Actor = string;
export const SYSTEM_ACTORS = { stripe: 'stripe', system: 'system', agent: 'agent' } as const;

export function referenceOf(number: number): string {
  return `CR-${number}`;
}

/** "CR-1042", "cr 1042" or "1042" → 1042; anything else → undefined. */
export function parseReference(text: string): number | undefined {
  const match = /^\s*(?:CR[-\s]?)?(\d{1,9})\s*$/i.exec(text);
  return match?.[1] ? Number(match[1]) : undefined;
}

export function moneyOf(request: Pick<ChargeRequest, 'amountMinor' | 'currency'>): Money {
  return { amountMinor: request.amountMinor, currency: request.currency };
}
