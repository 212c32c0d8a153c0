import { parseMoney } from '../../../domain/money.js';
import { type Result, refuse } from '../../../errors.js';
import type { ProposalInput } from '../../../use-cases/propose-charge.js';
import { typedText } from '../../typed-text.js';

export const NEW_CHARGE_USAGE = '/charges new <amount> <currency> <customer> [— description]';

/**
 * The words as the person typed them. Slack sends a command's text with `&`, `<`, `>` as entities
 * and, since the manifest asks it to escape (for `/charges delegate @user`), people, channels and links
 * in its own syntax (`<@U123|maya>`, `<#C123|sales>`, `<https://x.test|x.test>`): read those as text.
 *
 * @see https://docs.slack.dev/interactivity/implementing-slash-commands#creating_commands
 */
export function commandWords(text: string): string {
  return typedText(
    text
      .replace(/<([@#!])[^|>]*\|([^>]*)>/g, (_m, sigil: string, label: string) =>
        sigil === '!' ? label : `${sigil}${label}`,
      )
      .replace(/<@([UW][A-Z0-9]+)>/g, '@$1')
      .replace(/<((?:https?|mailto):[^|>]+)\|([^>]*)>/g, '$2')
      .replace(/<((?:https?|mailto):[^>]+)>/g, '$1'),
  );
}

/**
 * Reads `<amount> <currency> <customer> [— description]` ("1,200 USD Acme Corp — Q3 workshop").
 * The currency word may be left out when the amount carries it ("$1,200 Acme Corp"). The money
 * itself is validated later, by the same rules as the agent's proposals.
 */
export function parseNewCharge(text: string): Result<{ input: ProposalInput }> {
  const [head = '', ...descriptionParts] = commandWords(text)
    .trim()
    .split(/\s+(?:—|–|--|-)\s+/);
  const tokens = head.split(/\s+/).filter(Boolean);
  const [amount, second, ...rest] = tokens;
  if (!amount) return refuse('invalid_input', `Give an amount, a currency and a customer: \`${NEW_CHARGE_USAGE}\``);

  const amountNamesCurrency = (() => {
    const alone = parseMoney(amount);
    return alone.ok || alone.code !== 'missing_currency';
  })();
  const secondIsCurrency = second !== undefined && /^[A-Za-z]{3}$/.test(second) && !amountNamesCurrency;
  const customerTokens = secondIsCurrency ? rest : [second, ...rest].filter((t): t is string => t !== undefined);
  const customerName = customerTokens.join(' ').trim();
  if (!customerName) return refuse('invalid_input', `Who is the customer? \`${NEW_CHARGE_USAGE}\``);
  return {
    ok: true,
    input: {
      amount,
      currency: secondIsCurrency ? second : undefined,
      customerName,
      description: descriptionParts.join(' - ').trim(),
    },
  };
}
