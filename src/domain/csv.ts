/**
 * One CSV cell: RFC 4180 quoting (fields with a comma, quote or line break are quoted, quotes
 * doubled), and cells that a spreadsheet would run as a formula (starting with =, +, -, @, tab or
 * carriage return) prefixed with an apostrophe.
 *
 * @see https://www.rfc-editor.org/rfc/rfc4180
 * @see https://owasp.org/www-community/attacks/CSV_Injection
 */
export function csvCell(value: string | number | bigint | boolean | Date | null | undefined): string {
  if (value === null || value === undefined) return '';
  let text = value instanceof Date ? value.toISOString() : String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Rows to CSV text with CRLF line ends, as RFC 4180 specifies. */
export function toCsv(rows: readonly (readonly Parameters<typeof csvCell>[0][])[]): string {
  return `${rows.map((row) => row.map(csvCell).join(',')).join('\r\n')}\r\n`;
}
