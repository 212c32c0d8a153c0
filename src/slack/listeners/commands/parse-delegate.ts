import { type Result, refuse } from '../../../errors.js';

export const DELEGATE_USAGE = '/charges delegate @user until YYYY-MM-DD [reason]';

export type DelegateCommand =
  | { readonly kind: 'show' }
  | { readonly kind: 'off' }
  | { readonly kind: 'set'; readonly delegateId: string; readonly until: string; readonly reason: string | null };

/**
 * Reads `<@U123|maya> until 2026-11-30 parental leave`, `off`, or nothing. Slack sends a picked
 * person as `<@U123|name>` (the manifest's should_escape); a bare user id is accepted too. A name
 * typed without picking it from Slack's suggestions arrives as plain "@maya", which says nothing
 * reliable about who is meant, so it is refused with a hint.
 */
export function parseDelegate(args: string): Result<{ command: DelegateCommand }> {
  const text = args.trim();
  if (text === '') return { ok: true, command: { kind: 'show' } };
  if (/^off$/i.test(text)) return { ok: true, command: { kind: 'off' } };
  const match = /^(?:<@([UW][A-Z0-9]+)(?:\|[^>]*)?>|([UW][A-Z0-9]{2,}))\s+until\s+(\S+)(?:\s+([\s\S]+))?$/i.exec(text);
  if (!match) {
    const typed = /^@\S+/.test(text)
      ? ' Pick the person from Slack’s @-suggestions so that I get who they are, not just a name.'
      : '';
    return refuse('invalid_input', `Write it as \`${DELEGATE_USAGE}\`.${typed}`);
  }
  const delegateId = (match[1] ?? match[2] ?? '').toUpperCase();
  const reason = match[4]?.trim() || null;
  return { ok: true, command: { kind: 'set', delegateId, until: match[3] ?? '', reason } };
}
