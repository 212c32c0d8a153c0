import type { App, BlockButtonAction } from '@slack/bolt';
import { discardDeadLetter, queueOverview, retryDeadLetter } from '../../../use-cases/dead-letters.js';
import type { ActionResult } from '../../../use-cases/deps.js';
import { DEAD_LETTER_ACTIONS, operationsBlocks, parseDeadLetterButtonValue } from '../../blocks/operations.js';
import type { SlackDeps } from '../../deps.js';
import { refusalText, SOMETHING_WENT_WRONG } from '../../refusals.js';

/**
 * Retry and Discard beside each dead letter of `/charges ops`: admins only (the use case checks),
 * audited. The answer replaces the ops message with the queues as they are now, topped by what
 * happened.
 */
export function registerDeadLetterActions(app: App, deps: SlackDeps): void {
  const handlers = { [DEAD_LETTER_ACTIONS.retry]: retryDeadLetter, [DEAD_LETTER_ACTIONS.discard]: discardDeadLetter };
  for (const [actionId, handle] of Object.entries(handlers)) {
    app.action<BlockButtonAction>(actionId, async ({ ack, body, action, respond }) => {
      await ack();
      try {
        const target = parseDeadLetterButtonValue(action.value);
        const result: ActionResult = target
          ? await handle(
              { db: deps.useCases.db, adminUserIds: deps.admin.adminUserIds },
              { ...target, userId: body.user.id },
            )
          : {
              ok: false,
              code: 'invalid_input',
              message: 'That button is not valid any more; run `/charges ops` again.',
            };
        if (!result.ok && result.code === 'forbidden') {
          await respond({ response_type: 'ephemeral', replace_original: false, text: refusalText(result) });
          return;
        }
        const notice = result.ok ? (result.message ?? '') : refusalText(result);
        const { snapshot, deadLetters } = await queueOverview(deps.useCases.db);
        await respond({
          response_type: 'ephemeral',
          replace_original: true,
          ...operationsBlocks(snapshot, deadLetters, deps.useCases.clock.now(), notice),
        });
      } catch (error) {
        deps.logger.error({ err: error, action: actionId, user: body.user.id }, 'dead letter action failed');
        await respond({ response_type: 'ephemeral', replace_original: false, text: SOMETHING_WENT_WRONG }).catch(
          () => undefined,
        );
      }
    });
  }
}
