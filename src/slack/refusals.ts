import type { Refusal } from '../errors.js';
import { escapeText, plainText } from './blocks/escape.js';
import { SLACK_LIMITS } from './limits.js';

/** What the person sees when something unexpected failed on our side. */
export const SOMETHING_WENT_WRONG =
  'Something went wrong on our side; nothing was changed. Please try again in a minute.';

/**
 * A refusal as Slack text, for the person who asked: the sentence, escaped (it may quote what they
 * typed). The one place refusals become Slack messages.
 */
export function refusalText(refusal: Refusal<string>, maxLength = 2900): string {
  return escapeText(refusal.message, maxLength);
}

/**
 * A refusal as a modal's field errors (`response_action: errors`): each problem beside the input it
 * concerns (`blocks` maps a problem's field to the input's block id), the rest on `fallbackBlock`.
 */
export function refusalFieldErrors(
  refusal: Refusal<string>,
  blocks: Readonly<Record<string, string>>,
  fallbackBlock: string,
): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const problem of refusal.problems ?? [{ message: refusal.message }]) {
    const block = (problem.field && blocks[problem.field]) || fallbackBlock;
    // Field errors are plain text to Slack; keep them short enough to read beside the field.
    errors[block] = plainText(
      errors[block] ? `${errors[block]} ${problem.message}` : problem.message,
      SLACK_LIMITS.fieldErrorMaxChars,
    );
  }
  return errors;
}
