import type { App, BlockButtonAction } from '@slack/bolt';
import pLimit from 'p-limit';
import { SUPPORTED_CURRENCIES } from '../../../domain/currencies.js';
import { canCancel } from '../../../use-cases/cancel-charge.js';
import { approveCharge, canDecide } from '../../../use-cases/decide-charge.js';
import type { ActionResult } from '../../../use-cases/deps.js';
import { canEdit } from '../../../use-cases/edit-charge.js';
import { retryPaymentLink } from '../../../use-cases/payment-link.js';
import { requestAgain } from '../../../use-cases/request-again.js';
import { CARD_ACTIONS, parseCardButtonValue } from '../../blocks/approval-card.js';
import { cancelModal, editModal, rejectModal } from '../../blocks/modals.js';
import type { SlackDeps } from '../../deps.js';
import { publishHome } from '../../home.js';
import { refusalText, SOMETHING_WENT_WRONG } from '../../refusals.js';
import { registerDeadLetterActions } from './dead-letters.js';

type Click = { requestId: string; version: number; userId: string };

/**
 * The card's buttons. Each acknowledges at once, reads the button value as identifiers only, and
 * hands the click to a use case, which reads the request from the database and authorises the
 * clicker. A refusal is shown only to the clicker and changes nothing; so is an unexpected error.
 */
export function registerActions(app: App, deps: SlackDeps): void {
  const { useCases } = deps;
  // Work after the acknowledgement is bounded: a burst of clicks then queues here instead of
  // flooding the event loop and the connection pool, so every click is still acknowledged at once.
  const afterAck = pLimit(8);
  const on = (actionId: string, handle: (click: Click, args: { triggerId: string }) => Promise<ActionResult>) => {
    app.action<BlockButtonAction>(actionId, async ({ ack, body, action, respond, client }) => {
      await ack();
      await afterAck(async () => {
        const fromHome = body.container?.type === 'view';
        const answer = async (text: string) => {
          // App Home has no response_url: answer the clicker in their DM with the bot instead.
          if (fromHome) await client.chat.postMessage({ channel: body.user.id, text });
          else await respond({ response_type: 'ephemeral', replace_original: false, text });
        };
        try {
          const ids = parseCardButtonValue(action.value);
          const result: ActionResult = ids
            ? await handle(
                { requestId: ids.id, version: ids.version, userId: body.user.id },
                { triggerId: body.trigger_id },
              )
            : { ok: false, code: 'invalid_input', message: 'That button is not valid any more; use the latest card.' };
          if (!result.ok) await answer(refusalText(result));
          else if (result.message) await answer(result.message);
          if (fromHome) await publishHome(client, useCases, body.user.id);
        } catch (error) {
          deps.logger.error({ err: error, action: actionId, user: body.user.id }, 'button click failed');
          await answer(SOMETHING_WENT_WRONG).catch(() => undefined);
        }
      });
    });
  };

  on(CARD_ACTIONS.approve, (click) => approveCharge(useCases, click));
  on(CARD_ACTIONS.retry, (click) => retryPaymentLink(useCases, click));
  on(CARD_ACTIONS.requestAgain, (click) => requestAgain(useCases, click));

  on(CARD_ACTIONS.reject, async (click, { triggerId }) => {
    const allowed = await canDecide(useCases, click);
    if (!allowed.ok) return allowed;
    await app.client.views.open({ trigger_id: triggerId, view: rejectModal(allowed.request) });
    return { ok: true };
  });

  on(CARD_ACTIONS.edit, async (click, { triggerId }) => {
    const allowed = await canEdit(useCases, click);
    if (!allowed.ok) return allowed;
    const currencies = [...(useCases.policy.rules.allowedCurrencies ?? SUPPORTED_CURRENCIES)];
    await app.client.views.open({ trigger_id: triggerId, view: editModal(allowed.request, currencies) });
    return { ok: true };
  });

  // Cancel asks first: the form is the confirmation, and takes the reason.
  on(CARD_ACTIONS.cancel, async (click, { triggerId }) => {
    const allowed = await canCancel(useCases, click);
    if (!allowed.ok) return allowed;
    await app.client.views.open({
      trigger_id: triggerId,
      view: cancelModal(allowed.request, { reasonRequired: allowed.reasonRequired }),
    });
    return { ok: true };
  });

  registerDeadLetterActions(app, deps);
}
