import { describe, expect, test } from '@jest/globals';
import { cancelModal, editModal, readEditInput } from '../../src/slack/blocks/modals.js';
import { chargeRequestFixture } from '../support/fixtures.js';

type Select = { type: string; options: { value: string }[]; initial_option: { value: string } };
const currencyElement = (view: ReturnType<typeof editModal>) =>
  (view.blocks.find((b) => b.block_id === 'currency') as unknown as { element: Select }).element;

describe('edit modal', () => {
  test('the currency is a select of the allowed currencies, starting at the request’s own', () => {
    const element = currencyElement(editModal(chargeRequestFixture({ currency: 'EUR' }), ['USD', 'EUR', 'GBP']));
    expect(element.type).toBe('static_select');
    expect(element.options.map((o) => o.value)).toEqual(['USD', 'EUR', 'GBP']);
    expect(element.initial_option.value).toBe('EUR');
  });

  test('a currency no longer allowed stays selectable as the current value (the policy then says no)', () => {
    const element = currencyElement(editModal(chargeRequestFixture({ currency: 'CHF' }), ['USD', 'EUR']));
    expect(element.options.map((o) => o.value)).toEqual(['USD', 'EUR', 'CHF']);
    expect(element.initial_option.value).toBe('CHF');
  });

  test('reads the selected currency back', () => {
    expect(
      readEditInput({
        amount: { value: { value: ' 1500 ' } },
        currency: { value: { selected_option: { value: 'GBP' } } },
        customer: { value: { value: 'Acme' } },
        email: { value: { value: '' } },
        description: { value: { value: 'x' } },
      }),
    ).toEqual({ amount: '1500', currency: 'GBP', customerName: 'Acme', customerEmail: undefined, description: 'x' });
  });
});

describe('cancel modal', () => {
  test('is the confirmation: restates the request, warns about a live link, and asks why', () => {
    const live = cancelModal(chargeRequestFixture({ status: 'link_created', paymentLinkId: 'plink_1' }), {
      reasonRequired: true,
    });
    expect(live).toMatchObject({
      title: { text: 'Cancel CR-1042?' },
      submit: { text: 'Cancel request' },
      close: { text: 'Keep it' },
      private_metadata: '5c0e7f3c-9d1b-4a58-8a57-3c1f6f0f2a11:1',
    });
    const text = JSON.stringify(live.blocks);
    expect(text).toContain('*$1,200.00 USD* for *Acme Corp*, requested by <@U0REQUESTER>.');
    expect(text).toContain("This deactivates the customer's payment link");
    expect(live.blocks[1]).toMatchObject({ block_id: 'reason', optional: false, element: { min_length: 3 } });
    const pending = cancelModal(chargeRequestFixture(), { reasonRequired: false });
    expect(JSON.stringify(pending.blocks)).not.toContain('deactivates');
    expect(pending.blocks[1]).toMatchObject({ optional: true });
  });
});
