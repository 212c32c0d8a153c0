/**
 * Slack sends message and command text with `&`, `<` and `>` as `&amp;`, `&lt;` and `&gt;`; every
 * `<` … `>` left in it is one of Slack's control sequences (a mention `<@U123>`, a channel
 * `<#C123|sales>`, a link `<https://x.test|x>`, `<!here>`).
 */
const ESCAPED_OR_CONTROL = /(<[^<>]*>)|&(amp|lt|gt);/g;
const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>' };

/**
 * The text as the person typed it: the three entities un-escaped, once, outside Slack's control
 * sequences, which stay exactly as Slack sent them. Everything shown back in Slack goes through
 * escapeText again, so nothing ends up double-escaped (`&amp;amp;`) or live (`<!channel>`).
 *
 * @see https://docs.slack.dev/messaging/formatting-message-text#escaping
 */
export function typedText(text: string): string {
  return text.replace(
    ESCAPED_OR_CONTROL,
    (match, control: string | undefined, entity: string | undefined) => control ?? ENTITIES[entity ?? ''] ?? match,
  );
}
