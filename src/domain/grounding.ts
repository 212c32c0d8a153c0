import { findCurrency } from './currencies.js';
import { customerWords, plainWords } from './customer.js';
import type { ChargeFlag } from './flags.js';
import { type Money, parseMoney } from './money.js';

/**
 * Whether a proposal's amount, currency and customer can be found in the requester's own words. Only
 * the requester's messages count (never the model's replies or tool results); the matching is
 * generous in notation and strict in value, so a flag means the value really is not there.
 */

/**
 * Number-like pieces of a text: digits with separators ("1,200.50", "1 200", "1'200"), optionally
 * followed by k ("1.2k", "5 k"). Spaces count as separators only before exactly three digits. Parts
 * of dates, times and ranges ("2024-05-12", "10:30", "3/4") are not amounts.
 */
const NUMBER =
  /(?<![\p{N}\-/:])\d(?:[\d.,'’]|[ \u00a0\u202f](?=\d{3}(?!\d)))*(?:\s?[kK](?![\p{L}\p{N}]))?(?![\p{N}]|[-/:]\p{N})/gu;

/** The amounts a text states in `currency`, in any notation parseMoney reads. */
export function statedAmounts(text: string, currency: string): bigint[] {
  const amounts: bigint[] = [];
  for (const match of text.normalize('NFKC').matchAll(NUMBER)) {
    const candidate = match[0].replace(/[.,'’\s]+$/, '');
    const parsed = parseMoney(candidate, currency);
    if (parsed.ok) amounts.push(parsed.money.amountMinor);
  }
  return amounts;
}

export function amountStated(money: Money, texts: readonly string[]): boolean {
  return texts.some((text) => statedAmounts(text, money.currency).includes(money.amountMinor));
}

/**
 * Names people use for currencies, as plain words. Bare "dollars" means USD, as the agent is told
 * ("$" alone means USD); other dollars need their country. Words that are common English besides
 * ("won", "real") count only with their country.
 */
const CURRENCY_NAMES: Readonly<Record<string, readonly string[]>> = {
  USD: ['dollar', 'dollars', 'us dollar', 'us dollars', 'buck', 'bucks'],
  EUR: ['euro', 'euros'],
  GBP: ['pound', 'pounds', 'sterling', 'quid'],
  CAD: ['canadian dollar', 'canadian dollars'],
  AUD: ['australian dollar', 'australian dollars'],
  NZD: ['new zealand dollar', 'new zealand dollars'],
  CHF: ['franc', 'francs', 'swiss franc', 'swiss francs'],
  SEK: ['krona', 'kronor', 'swedish krona', 'swedish kronor'],
  NOK: ['norwegian krone', 'norwegian kroner'],
  DKK: ['danish krone', 'danish kroner'],
  PLN: ['zloty', 'zlotys', 'zlote', 'zlotych'],
  CZK: ['koruna', 'koruny', 'korun', 'czech crown', 'czech crowns'],
  HUF: ['forint', 'forints'],
  RON: ['leu', 'lei', 'romanian leu'],
  BGN: ['lev', 'leva', 'bulgarian lev'],
  HKD: ['hong kong dollar', 'hong kong dollars'],
  SGD: ['singapore dollar', 'singapore dollars'],
  INR: ['rupee', 'rupees'],
  MXN: ['peso', 'pesos', 'mexican peso', 'mexican pesos'],
  BRL: ['reais', 'brazilian real', 'brazilian reais'],
  AED: ['dirham', 'dirhams'],
  MYR: ['ringgit'],
  THB: ['baht'],
  JPY: ['yen'],
  KRW: ['korean won'],
  BHD: ['bahraini dinar', 'bahraini dinars'],
  JOD: ['jordanian dinar', 'jordanian dinars'],
  KWD: ['kuwaiti dinar', 'kuwaiti dinars'],
  OMR: ['omani rial', 'omani rials'],
  TND: ['tunisian dinar', 'tunisian dinars'],
};

/** Every name, longest first: "canadian dollars" is read before "dollars" can be. */
const NAMES_LONGEST_FIRST = Object.entries(CURRENCY_NAMES)
  .flatMap(([code, names]) => names.map((name) => ({ code, name })))
  .sort((a, b) => b.name.length - a.name.length);

/** ISO codes of the currencies a text names in words ("euros", "canadian dollars"). */
export function currencyNamesIn(text: string): Set<string> {
  let rest = ` ${plainWords(text).join(' ')} `;
  const found = new Set<string>();
  for (const { code, name } of NAMES_LONGEST_FIRST) {
    if (rest.includes(` ${name} `)) {
      found.add(code);
      rest = rest.replaceAll(` ${name} `, ' | ');
    }
  }
  return found;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The text names `currency` by ISO code ("usd"), symbol ("$", not inside "CA$") or name ("dollars"). */
export function currencyStated(currency: string, texts: readonly string[]): boolean {
  const info = findCurrency(currency);
  if (!info) return false;
  const marks = [info.code, ...info.symbols].map(
    (mark) => new RegExp(`(?<!\\p{L})${escapeRegExp(mark)}(?!\\p{L})`, 'iu'),
  );
  return texts.some((raw) => {
    const text = raw.normalize('NFKC');
    return marks.some((mark) => mark.test(text)) || currencyNamesIn(text).has(info.code);
  });
}

/** Every word of the customer's name (legal forms aside) appears among the requester's words. */
export function customerStated(customerName: string, texts: readonly string[]): boolean {
  const said = new Set(texts.flatMap(plainWords));
  const wanted = customerWords(customerName);
  return wanted.length > 0 && wanted.every((word) => said.has(word));
}

const GROUNDING_CODES = ['amount_not_stated', 'currency_not_stated', 'customer_not_stated'] as const;
type GroundingCode = (typeof GROUNDING_CODES)[number];

/**
 * The "not stated" flags of a proposal, against the requester's own messages of the conversation.
 * `texts` undefined means a person typed the fields (`/charges new`, the edit form): grounded.
 */
export function groundingFlags(
  proposal: { money: Money; customerName: string },
  texts: readonly string[] | undefined,
): ChargeFlag[] {
  if (texts === undefined) return [];
  const flags: ChargeFlag[] = [];
  if (!amountStated(proposal.money, texts)) flags.push({ code: 'amount_not_stated' });
  if (!currencyStated(proposal.money.currency, texts)) flags.push({ code: 'currency_not_stated' });
  if (!customerStated(proposal.customerName, texts)) flags.push({ code: 'customer_not_stated' });
  return flags;
}

/** How many of the requester's latest messages are kept with a proposal (and quoted on its card). */
const QUOTED_MESSAGES = 5;
const QUOTED_MAX_CHARS = 2000;

/** The requester's words to keep with a proposal: their latest messages, oldest first, the end kept if long. */
export function requesterWordsOf(texts: readonly string[]): string | null {
  const words = texts
    .slice(-QUOTED_MESSAGES)
    .map((t) => t.trim())
    .filter(Boolean)
    .join('\n');
  if (!words) return null;
  const chars = [...words];
  return chars.length > QUOTED_MAX_CHARS ? `…${chars.slice(-(QUOTED_MAX_CHARS - 1)).join('')}` : words;
}

/**
 * The "not stated" flags of an edited request. A changed value is checked like a proposal's: against
 * the requester's words when the agent changed it, grounded when a person typed it in the form. A
 * value left as it was keeps its flag while the requester's words still lack it, and never gains
 * one (it was typed, or stated before).
 */
export function groundingAfterEdit(
  previous: readonly ChargeFlag[],
  before: { money: Money; customerName: string },
  after: { money: Money; customerName: string },
  texts: readonly string[] | undefined,
): ChargeFlag[] {
  const unchanged: Record<GroundingCode, boolean> = {
    amount_not_stated:
      before.money.amountMinor === after.money.amountMinor && before.money.currency === after.money.currency,
    currency_not_stated: before.money.currency === after.money.currency,
    customer_not_stated: before.customerName === after.customerName,
  };
  const missing = new Set(groundingFlags(after, texts).map((f) => f.code));
  return GROUNDING_CODES.filter((code) =>
    unchanged[code]
      ? previous.some((f) => f.code === code) && (texts === undefined || missing.has(code))
      : missing.has(code),
  ).map((code) => ({ code }));
}
