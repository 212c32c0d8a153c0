import type { App } from '@slack/bolt';
import { editCharge } from '../../../use-cases/change-charge.js';
import type { ChargeDeps } from '../../../use-cases/charge-deps.js';
import { rejectCharge } from '../../../use-cases/decide-charge.js';
import { parseCardButtonValue } from '../../blocks/approval-card.js';
import { MODALS, problemsToFieldErrors, readEditInput, readRejectReason } from '../../blocks/modals.js';

/**
 * Modal submissions. The work is a few milliseconds of database time, so it runs before the
 * acknowledgement: a refusal can then be shown in the modal itself, next to the field.
 */
export function registerViews(app: App, deps: ChargeDeps): void {
  app.view(MODALS.reject, async ({ ack, body, view }) => {
    const ids = parseCardButtonValue(view.private_metadata);
    if (!ids)
      return void (await ack({
        response_action: 'errors',
        errors: { reason: 'This form is out of date; reopen it from the card.' },
      }));
    const result = await rejectCharge(deps, {
      requestId: ids.id,
      version: ids.version,
      userId: body.user.id,
      reason: readRejectReason(view.state.values),
    });
    await ack(result.ok ? undefined : { response_action: 'errors', errors: { reason: result.message.slice(0, 150) } });
  });

  app.view(MODALS.edit, async ({ ack, body, view }) => {
    const ids = parseCardButtonValue(view.private_metadata);
    if (!ids)
      return void (await ack({
        response_action: 'errors',
        errors: { amount: 'This form is out of date; reopen it from the card.' },
      }));
    const result = await editCharge(deps, {
      requestId: ids.id,
      userId: body.user.id,
      input: readEditInput(view.state.values),
    });
    await ack(result.ok ? undefined : { response_action: 'errors', errors: problemsToFieldErrors(result.problems) });
  });
}
