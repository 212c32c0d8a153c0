import type { App, SlackViewMiddlewareArgs } from '@slack/bolt';
import type { Result } from '../../../errors.js';
import { cancelCharge } from '../../../use-cases/cancel-charge.js';
import { rejectCharge } from '../../../use-cases/decide-charge.js';
import { editCharge } from '../../../use-cases/edit-charge.js';
import { parseCardButtonValue } from '../../blocks/approval-card.js';
import { EDIT_FIELD_BLOCKS, MODALS, readEditInput, readReason } from '../../blocks/modals.js';
import type { SlackDeps } from '../../deps.js';
import { refusalFieldErrors, SOMETHING_WENT_WRONG } from '../../refusals.js';

type Submission = SlackViewMiddlewareArgs;

/**
 * Modal submissions. The work is a few milliseconds of database time, so it runs before the
 * acknowledgement: a refusal (or an unexpected error) is then shown in the modal itself, next to the
 * field it concerns, and nothing is changed.
 */
export function registerViews(app: App, deps: SlackDeps): void {
  const submit = (
    callbackId: string,
    fields: Readonly<Record<string, string>>,
    mainBlock: string,
    handle: (ids: { id: string; version: number }, args: Submission) => Promise<Result>,
  ) => {
    app.view(callbackId, async (args) => {
      const ids = parseCardButtonValue(args.view.private_metadata);
      let result: Result;
      try {
        result = ids
          ? await handle(ids, args)
          : { ok: false, code: 'conflict', message: 'This form is out of date; reopen it from the card.' };
      } catch (error) {
        deps.logger.error({ err: error, view: callbackId, user: args.body.user.id }, 'modal submission failed');
        result = { ok: false, code: 'unavailable', message: SOMETHING_WENT_WRONG };
      }
      await args.ack(
        result.ok ? undefined : { response_action: 'errors', errors: refusalFieldErrors(result, fields, mainBlock) },
      );
    });
  };

  submit(MODALS.reject, { reason: 'reason' }, 'reason', (ids, { body, view }) =>
    rejectCharge(deps.useCases, {
      requestId: ids.id,
      version: ids.version,
      userId: body.user.id,
      reason: readReason(view.state.values),
    }),
  );

  submit(MODALS.cancel, { reason: 'reason' }, 'reason', (ids, { body, view }) =>
    cancelCharge(deps.useCases, {
      requestId: ids.id,
      version: ids.version,
      userId: body.user.id,
      reason: readReason(view.state.values),
    }),
  );

  submit(MODALS.edit, EDIT_FIELD_BLOCKS, 'amount', (ids, { body, view }) =>
    editCharge(deps.useCases, {
      requestId: ids.id,
      version: ids.version,
      userId: body.user.id,
      input: readEditInput(view.state.values),
    }),
  );
}
