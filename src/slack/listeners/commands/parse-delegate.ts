import { type Result, refuse } from '../../../errors.js';
import { typedText } from '../../typed-text.js';

export const DELEGATE_USAGE = '/charges delegate @user until YYYY-MM-DD [reason]';

export type DelegateCommand =
  | { readonly kind: 'show' }
  | { readonly kind: 'off' }
  | { readonly kind: 'set'; readonly delegateId: string; readonly until: string; readonly reason: string | null };

/** A person as Slack sends them: `<@U123|maya>` (picked from the suggestions) or `<@U123>`. */
const MENTION = /^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$/;
/** A bare Slack user id. Slack's ids are upper case: `u123` is not one (no `i` flag, on purpose). */
const USER_ID = /^[UW][A-Z0-9]{2,}$/;

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
  const [, person = '', until = '', rest] = /^(<@[^>]*>|\S+)\s+until\s+(\S+)(?:\s+([\s\S]+))?$/i.exec(text) ?? [];
  const delegateId = MENTION.exec(person)?.[1] ?? (USER_ID.test(person) ? person : undefined);
  if (!delegateId) {
    const typed = /^@\S+/.test(text)
      ? ' Pick the person from Slack’s @-suggestions so that I get who they are, not just a name.'
      : '';
    return refuse('invalid_input', `Write it as \`${DELEGATE_USAGE}\`.${typed}`);
  }
  // The reason is shown back (escaped again) on cards and lists: read it as typed.
  const reason = rest ? typedText(rest).trim() || null : null;
  return { ok: true, command: { kind: 'set', delegateId, until, reason } };
}
