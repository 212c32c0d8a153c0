import type { KnownBlock } from '@slack/types';

/**
 * Makes user- or model-supplied text inert in Slack mrkdwn, then fits it: no mentions (`<!channel>`,
 * `<@U…>`, `<!subteam^…>`), no links (`<https://…|label>` or bare URLs Slack would auto-link). Escaping
 * &, < and > is what Slack documents as sufficient for the angle-bracket syntax; bare URLs are broken
 * with a zero-width space so they stay readable but are not clickable.
 *
 * `maxLength` bounds the text **as sent** (escaped): it is cut between escapes, never inside one,
 * and ends with "…" when cut.
 *
 * @see https://docs.slack.dev/messaging/formatting-message-text#escaping
 */
export function escapeText(text: string, maxLength = 2900): string {
  const escaped = escapePieces(text);
  return fitPieces(escaped, maxLength);
}

/** Each input character's escaped form, so text can be cut between escapes. */
function escapePieces(text: string): string[] {
  const chars = [...text];
  const pieces: string[] = [];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] ?? '';
    const ahead = chars.slice(i, i + 4).join('');
    if (c === '&') pieces.push('&amp;');
    else if (c === '<') pieces.push('&lt;');
    else if (c === '>') pieces.push('&gt;');
    else if (ahead.startsWith('://')) pieces.push(':\u200B');
    else if (/^www\.$/i.test(ahead) && !/\w/.test(chars[i - 1] ?? '')) {
      pieces.push(`${chars.slice(i, i + 3).join('')}\u200B`);
      i += 2;
    } else pieces.push(c);
  }
  return pieces;
}

function fitPieces(pieces: readonly string[], maxLength: number): string {
  const total = pieces.reduce((n, p) => n + p.length, 0);
  if (total <= maxLength) return pieces.join('');
  let out = '';
  for (const piece of pieces) {
    if (out.length + piece.length > maxLength - 1) break;
    out += piece;
  }
  return `${out}…`;
}

/** For `plain_text` fields (headers, button labels, modal titles): Slack does not parse them; only fit. */
export function plainText(text: string, maxLength: number): string {
  const chars = [...text];
  return chars.length > maxLength ? `${chars.slice(0, maxLength - 1).join('')}…` : text;
}

/** Cuts mrkdwn we built ourselves (already escaped) to `maxLength`, at a line end where possible. */
export function fitMrkdwn(text: string, maxLength: number): string {
  if (text.length <= maxLength) return text;
  const cut = text.slice(0, maxLength - 1);
  const lineEnd = cut.lastIndexOf('\n');
  return `${lineEnd > maxLength / 2 ? cut.slice(0, lineEnd) : cut.replace(/&[a-z]*$/, '')}…`;
}

/**
 * Joins escaped lines into one text of at most `maxLength`, ending with a "…and N more" line (from
 * `more`) when they do not all fit. Lines are never cut: a list says how many it left out. `total`
 * is the size of the whole list when only its first `lines` were fetched (the rest count as hidden);
 * with another `separator` (", ") it fits an inline list the same way.
 */
export function joinLines(
  lines: readonly string[],
  maxLength: number,
  more: (hidden: number) => string,
  options: { total?: number; separator?: string } = {},
): string {
  const total = options.total ?? lines.length;
  const separator = options.separator ?? '\n';
  const kept: string[] = [];
  let length = 0;
  for (const [i, line] of lines.entries()) {
    const hiddenAfter = total - i - 1;
    const tail = hiddenAfter > 0 ? more(hiddenAfter).length + separator.length : 0;
    if (length + line.length + (kept.length ? separator.length : 0) + tail > maxLength) break;
    kept.push(line);
    length += line.length + (kept.length > 1 ? separator.length : 0);
  }
  const hidden = total - kept.length;
  return (hidden > 0 ? [...kept, more(hidden)] : kept).join(separator);
}

/**
 * Keeps at most `maxBlocks` blocks; when some must go, the last kept block says how many were left
 * out (`overflow`), so a long list never makes Slack refuse the whole message.
 */
export function fitBlocks<B extends KnownBlock>(
  blocks: readonly B[],
  maxBlocks: number,
  overflow: (hidden: number) => B,
): B[] {
  if (blocks.length <= maxBlocks) return [...blocks];
  const kept = blocks.slice(0, maxBlocks - 1);
  return [...kept, overflow(blocks.length - kept.length)];
}

/** A user mention we produce ourselves from a Slack user id (never from free text). */
export function mention(userId: string): string {
  return /^[UW][A-Z0-9]+$/.test(userId) ? `<@${userId}>` : escapeText(userId, 40);
}
