import type { App, BlockButtonAction } from '@slack/bolt';
import pLimit from 'p-limit';
import { findChargeRequest } from '../../../persistence/charge-requests.js';
import { cancelCharge, canEdit } from '../../../use-cases/change-charge.js';
import type { ActionResult, ChargeDeps } from '../../../use-cases/charge-deps.js';
import { approveCharge, canDecide } from '../../../use-cases/decide-charge.js';
import { retryPaymentLink } from '../../../use-cases/payment-link.js';
import { CARD_ACTIONS, parseCardButtonValue } from '../../blocks/approval-card.js';
import { editModal, rejectModal } from '../../blocks/modals.js';
import { publishHome } from '../../home.js';

type Click = { requestId: string; version: number; userId: string };

/**
 * The card's buttons. Each acknowledges at once, reads the button value as identifiers only, and
 * hands the click to a use case, which reads the request from the database and authorises the
 * clicker. A refusal is shown only to the clicker and changes nothing.
 */
export function registerActions(app: App, deps: ChargeDeps): void {
  // Work after the acknowledgement is bounded: a burst of clicks then queues here instead of
  // flooding the event loop and the connection pool, so every click is still acknowledged at once.
  const afterAck = pLimit(8);
  const on = (actionId: string, handle: (click: Click, args: { triggerId: string }) => Promise<ActionResult>) => {
    app.action<BlockButtonAction>(actionId, async ({ ack, body, action, respond, client }) => {
      await ack();
      await afterAck(async () => {
        const ids = parseCardButtonValue(action.value);
        const click = ids && { requestId: ids.id, version: ids.version, userId: body.user.id };
        const result = click
          ? await handle(click, { triggerId: body.trigger_id })
          : { ok: false as const, message: 'That button is not valid any more; use the latest card.' };
        const fromHome = body.container?.type === 'view';
        if (result.message) {
          // App Home has no response_url: answer the clicker in their DM with the bot instead.
          if (fromHome) await client.chat.postMessage({ channel: body.user.id, text: result.message });
          else await respond({ response_type: 'ephemeral', replace_original: false, text: result.message });
        }
        if (fromHome) await publishHome(client, deps, body.user.id);
      });
    });
  };

  on(CARD_ACTIONS.approve, (click) => approveCharge(deps, click));
  on(CARD_ACTIONS.cancel, (click) => cancelCharge(deps, click));
  on(CARD_ACTIONS.retry, (click) => retryPaymentLink(deps, click));

  on(CARD_ACTIONS.reject, async (click, { triggerId }) => {
    const allowed = await canDecide(deps, click);
    if (!allowed.ok) return allowed;
    const request = await findChargeRequest(deps.dataSource, click.requestId);
    if (request) await app.client.views.open({ trigger_id: triggerId, view: rejectModal(request) });
    return { ok: true };
  });

  on(CARD_ACTIONS.edit, async (click, { triggerId }) => {
    const allowed = await canEdit(deps, click);
    if (!allowed.ok) return allowed;
    const request = await findChargeRequest(deps.dataSource, click.requestId);
    if (request) await app.client.views.open({ trigger_id: triggerId, view: editModal(request) });
    return { ok: true };
  });
}
