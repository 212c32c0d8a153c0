/**
 * Makes user- or model-supplied text inert in Slack mrkdwn: no mentions (`<!channel>`, `<@U…>`,
 * `<!subteam^…>`), no links (`<https://…|label>` or bare URLs Slack would auto-link), and a bounded
 * length. Escaping &, < and > is what Slack documents as sufficient for the angle-bracket syntax;
 * bare URLs are broken with a zero-width space so they stay readable but are not clickable.
 *
 * @see https://docs.slack.dev/messaging/formatting-message-text#escaping
 */
export function escapeText(text: string, maxLength = 2900): string {
  const clipped = text.length > maxLength ? `${text.slice(0, maxLength - 1)}…` : text;
  return clipped
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/:\/\//g, ':\u200B//')
    .replace(/\bwww\./gi, (m) => `${m.slice(0, 3)}\u200B.`);
}

/** For `plain_text` fields (headers, button labels, modal titles): Slack does not parse them; only clip. */
export function plainText(text: string, maxLength: number): string {
  return text.length > maxLength ? `${text.slice(0, maxLength - 1)}…` : text;
}

/** A user mention we produce ourselves from a Slack user id (never from free text). */
export function mention(userId: string): string {
  return /^[UW][A-Z0-9]+$/.test(userId) ? `<@${userId}>` : escapeText(userId, 40);
}
