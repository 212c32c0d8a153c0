/**
 * Who a customer is, for comparing requests: "ACME Corp.", "Acme Corporation" and "acme" are one
 * customer; so are two names with the same billing email.
 */

/** Legal forms and articles that do not tell customers apart. */
const LEGAL_WORDS = new Set([
  'the',
  'inc',
  'incorporated',
  'corp',
  'corporation',
  'co',
  'company',
  'ltd',
  'limited',
  'llc',
  'llp',
  'lp',
  'plc',
  'gmbh',
  'ag',
  'kg',
  'sa',
  'sas',
  'sarl',
  'srl',
  'spa',
  'bv',
  'nv',
  'oy',
  'ab',
  'as',
  'pty',
  'kk',
]);

/**
 * Lower-case words without accents or punctuation: "Müller & Söhne GmbH's" → müller→"muller", "and",
 * "sohne", "gmbh". Dotted initials join ("S.A." → "sa"); a possessive "'s" goes.
 */
export function plainWords(text: string): string[] {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/\b([a-z])\.(?=[a-z]\b)/g, '$1')
    .replace(/['’]s\b/g, '')
    .replace(/&/g, ' and ')
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

/** The words that name the customer: its plain words without legal forms (all of them if nothing else is left). */
export function customerWords(name: string): string[] {
  const words = plainWords(name);
  const kept = words.filter((w) => !LEGAL_WORDS.has(w));
  return kept.length > 0 ? kept : words;
}

/** "Acme Corp." → "acme": equal keys, same customer. Stored with each request for lookups. */
export function customerKey(name: string): string {
  return customerWords(name).join(' ');
}

/** Same customer: the same normalised name, or the same billing email. */
export function sameCustomer(
  a: { customerName: string; customerEmail: string | null },
  b: { customerName: string; customerEmail: string | null },
): boolean {
  const key = customerKey(a.customerName);
  if (key !== '' && key === customerKey(b.customerName)) return true;
  const email = a.customerEmail?.trim().toLowerCase();
  return Boolean(email) && email === b.customerEmail?.trim().toLowerCase();
}
