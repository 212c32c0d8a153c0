/**
 * The JSON text of a value for a jsonb parameter (`$1::jsonb`). bigint values (amounts) are written
 * as exact decimal strings, where JSON.stringify would throw. Reading is one-way: pg returns jsonb
 * already parsed (JSON.parse), so those amounts come back as strings (BigInt() them again), numbers
 * as JavaScript numbers, and jsonb keeps neither whitespace nor key order.
 */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}
