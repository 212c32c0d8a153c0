import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Database } from '../../src/db/database.js';
import { systemClock } from '../../src/domain/clock.js';
import { DEFAULT_TRUST } from '../../src/domain/flags.js';
import { NO_POLICY } from '../../src/domain/policy.js';
import { listAudit } from '../../src/persistence/audit.js';
import { recordMessageOnce } from '../../src/persistence/conversations.js';
import {
  type ProposalContext,
  type ProposalInput,
  proposeCharge,
  reviseCharge,
} from '../../src/use-cases/propose-charge.js';
import { openTestDatabase } from '../support/database.js';
import { fixedApprovers } from '../support/fixtures.js';

let db: Database;
beforeAll(async () => {
  db = await openTestDatabase({ poolSize: 25 });
});
afterAll(async () => {
  await db?.close();
});

const deps = () => ({
  db: db.db,
  approvers: fixedApprovers(),
  policy: { rules: NO_POLICY, timezone: 'UTC' },
  clock: systemClock,
  trust: DEFAULT_TRUST,
});

let threads = 0;
/** A fresh conversation thread in #sales, by U0REQUESTER. */
function agentIn(thread = `1700100000.${String(++threads).padStart(6, '0')}`, channelId = 'C0SALES'): ProposalContext {
  return { source: 'agent', teamId: 'T0TEAM', channelId, threadTs: thread, requesterId: 'U0REQUESTER' };
}
const command = (channelId = 'C0OTHER'): ProposalContext => ({
  source: 'command',
  teamId: 'T0TEAM',
  channelId,
  threadTs: null,
  requesterId: 'U0OTHER',
});

/** The requester (or someone else, or the bot) says something in the conversation. */
async function say(context: ProposalContext, text: string, who: { role?: 'user' | 'assistant'; userId?: string } = {}) {
  await recordMessageOnce(
    db.db,
    { teamId: context.teamId, channelId: context.channelId, threadTs: context.threadTs ?? '' },
    `${Date.now()}.${Math.random().toString().slice(2, 8)}`,
    { role: who.role ?? 'user', userId: who.role === 'assistant' ? null : (who.userId ?? context.requesterId), text },
  );
}

const proposal = (amount: string, overrides: Partial<ProposalInput> = {}): ProposalInput => ({
  customerName: 'Acme Corp',
  amount,
  currency: 'USD',
  description: 'workshop',
  ...overrides,
});

async function created(context: ProposalContext, input: ProposalInput) {
  const result = await proposeCharge(deps(), context, input);
  if (!result.ok) throw new Error(`not created: ${result.message}`);
  return result.request;
}

const codes = (flags: readonly { code: string }[]) => flags.map((f) => f.code);

describe('one request per intent', () => {
  test('when ten identical proposals race in one thread, then one request is created and the rest name it', async () => {
    const context = agentIn();
    await say(context, 'charge Acme $1,001');
    const names = ['Acme Corp', 'ACME corp.', 'acme', 'Acme Corporation', 'Acme Corp'];
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        proposeCharge(deps(), context, proposal('1,001', { customerName: names[i % 5] })),
      ),
    );
    const made = results.filter((r) => r.ok);
    expect(made).toHaveLength(1);
    const reference = made[0]?.ok ? made[0].request.reference : '';
    for (const r of results.filter((x) => !x.ok)) {
      expect(r).toMatchObject({ ok: false, code: 'already_done', existing: reference });
      expect(r.ok ? '' : r.message).toContain(`already proposed as ${reference}`);
    }
    const rows = await db.db.query('SELECT id FROM charge_requests WHERE thread_ts = $1', [context.threadTs]);
    expect(rows).toHaveLength(1);
  });

  test('when proposals differ in amount, currency or customer, then each is created', async () => {
    const context = agentIn();
    const results = await Promise.all([
      proposeCharge(deps(), context, proposal('1,002')),
      proposeCharge(deps(), context, proposal('1,003')),
      proposeCharge(deps(), context, proposal('1,002', { currency: 'EUR' })),
      proposeCharge(deps(), context, proposal('1,002', { customerName: 'Globex' })),
    ]);
    expect(results.map((r) => r.ok)).toEqual([true, true, true, true]);
  });

  test('when the requester confirmed a second identical charge, then it is created and flagged as a confirmed duplicate', async () => {
    const context = agentIn();
    await say(context, 'charge Acme $1,004 for the workshop');
    const first = await created(context, proposal('1,004'));
    expect(await proposeCharge(deps(), context, proposal('1,004'))).toMatchObject({
      ok: false,
      existing: first.reference,
    });
    // Naming some other reference is not a confirmation of this one.
    expect(await proposeCharge(deps(), { ...context, confirmDuplicateOf: 'CR-1' }, proposal('1,004'))).toMatchObject({
      ok: false,
    });

    const second = await created({ ...context, confirmDuplicateOf: first.reference.toLowerCase() }, proposal('1,004'));
    expect(second.flags).toEqual([
      {
        code: 'possible_duplicate',
        facts: {
          reference: first.reference,
          status: 'pending_approval',
          days: 0,
          channel: 'C0SALES',
          thread: context.threadTs,
          confirmed: true,
        },
      },
    ]);
    // A repeat of the confirmation (the model saying it twice) names the second: still one per intent.
    const again = await proposeCharge(deps(), { ...context, confirmDuplicateOf: first.reference }, proposal('1,004'));
    expect(again).toMatchObject({ ok: false, existing: second.reference });
  });

  test('when the earlier request is no longer open (rejected), then the same proposal in the thread is a new request', async () => {
    const context = agentIn();
    const first = await created(context, proposal('1,005'));
    await db.db.query(`UPDATE charge_requests SET status = 'rejected' WHERE id = $1`, [first.id]);
    const second = await created(context, proposal('1,005'));
    expect(second.id).not.toBe(first.id);
    expect(codes(second.flags)).not.toContain('possible_duplicate');
  });
});

describe('possible_duplicate', () => {
  test('across channels and /charges new, by normalised name or by email, pending to paid', async () => {
    const fromCommand = await created(command('C0OTHER'), proposal('1,006', { customerName: 'ACME Corporation' }));
    await db.db.query('UPDATE charge_requests SET thread_ts = $2 WHERE id = $1', [fromCommand.id, '1700000999.000100']);
    const agentCtx = agentIn(undefined, 'C0SALES');
    await say(agentCtx, 'charge Acme $1,006');
    const fromAgent = await created(agentCtx, proposal('1,006'));
    expect(fromAgent.flags).toContainEqual({
      code: 'possible_duplicate',
      facts: {
        reference: fromCommand.reference,
        status: 'pending_approval',
        days: 0,
        channel: 'C0OTHER',
        thread: '1700000999.000100',
      },
    });

    // The other way round, matched by billing email alone, once the first is paid.
    await db.db.query(`UPDATE charge_requests SET status = 'paid', paid_at = now() WHERE id = $1`, [fromAgent.id]);
    await db.db.query(`UPDATE charge_requests SET customer_email = 'ap@acme.test' WHERE id = $1`, [fromAgent.id]);
    const byEmail = await created(
      command('C0THIRD'),
      proposal('1,006', { customerName: 'Totally Different Name', customerEmail: 'AP@acme.test' }),
    );
    expect(byEmail.flags[0]).toMatchObject({
      code: 'possible_duplicate',
      facts: { reference: fromAgent.reference, status: 'paid', channel: 'C0SALES' },
    });
  });

  test('only within DUPLICATE_WINDOW_DAYS of its latest step, and never for rejected or canceled ones', async () => {
    const old = await created(command(), proposal('1,007'));
    const canceled = await created(command(), proposal('1,007', { customerName: 'Initech' }));
    await db.db.query(
      `UPDATE charge_requests SET status = 'paid', created_at = now() - interval '40 days',
         paid_at = now() - interval '20 days' WHERE id = $1`,
      [old.id],
    );
    await db.db.query(`UPDATE charge_requests SET status = 'canceled' WHERE id = $1`, [canceled.id]);
    expect((await created(command(), proposal('1,007', { customerName: 'Initech' }))).flags).toEqual([]);

    const outside = await created(command(), proposal('1,007', { customerName: 'Acme' }));
    expect(codes(outside.flags)).toEqual([]);
    // Paid 10 days ago: inside the default 14 days, outside a 7-day window.
    await db.db.query(`UPDATE charge_requests SET paid_at = now() - interval '10 days' WHERE id = $1`, [old.id]);
    await db.db.query(`UPDATE charge_requests SET status = 'rejected' WHERE id = $1`, [outside.id]);
    const inside = await created(command(), proposal('1,007'));
    expect(inside.flags).toContainEqual(
      expect.objectContaining({
        code: 'possible_duplicate',
        facts: expect.objectContaining({ reference: old.reference, days: 10, status: 'paid' }),
      }),
    );
    const narrow = await proposeCharge(
      { ...deps(), trust: { ...DEFAULT_TRUST, duplicateWindowDays: 7 } },
      command('C0NARROW'),
      proposal('1,007', { customerName: 'Acme Inc' }),
    );
    // Only the one just made (`inside`) is within 7 days.
    expect(narrow.ok && narrow.request.flags[0]?.facts?.reference).toBe(inside.reference);
  });
});

describe('unusual_amount', () => {
  const history = async (customerName: string, amounts: string[], requesterId = 'U0OTHER') => {
    for (const amount of amounts) {
      const r = await created(
        { ...command('C0HISTORY'), requesterId },
        proposal(amount, { customerName, currency: 'GBP' }),
      );
      await db.db.query(
        `UPDATE charge_requests SET status = 'paid', created_at = now() - interval '60 days' WHERE id = $1`,
        [r.id],
      );
    }
  };

  test('above, at and below UNUSUAL_AMOUNT_FACTOR times the customer’s median', async () => {
    await history('Umbrella Ltd', ['100', '90', '110']);
    const ctx = command('C0UNUSUAL');
    const above = await created(ctx, proposal('420', { customerName: 'Umbrella', currency: 'GBP' }));
    expect(above.flags).toEqual([
      { code: 'unusual_amount', facts: { ratio: '4.2', basis: 'customer', count: 3, median_minor: '10000' } },
    ]);
    await db.db.query(`UPDATE charge_requests SET status = 'rejected' WHERE id = $1`, [above.id]);
    expect((await created(ctx, proposal('300', { customerName: 'Umbrella', currency: 'GBP' }))).flags).toEqual([]);
    expect((await created(ctx, proposal('299', { customerName: 'Umbrella', currency: 'GBP' }))).flags).toEqual([]);
  });

  test('with too little history nothing is flagged; the requester’s history stands in for a new customer', async () => {
    await history('Hooli', ['50', '50']);
    const ctx = { ...command('C0UNUSUAL'), requesterId: 'U0NEWREQ' };
    expect((await created(ctx, proposal('5000', { customerName: 'Hooli', currency: 'GBP' }))).flags).toEqual([]);

    await history('Pied Piper', ['20', '30', '40'], 'U0FALLBACK');
    const fallback = await created(
      { ...command('C0UNUSUAL'), requesterId: 'U0FALLBACK' },
      proposal('500', { customerName: 'Brand New Customer', currency: 'GBP' }),
    );
    expect(fallback.flags).toEqual([
      { code: 'unusual_amount', facts: { ratio: '16.7', basis: 'requester', count: 3, median_minor: '3000' } },
    ]);
  });
});

describe('grounded in the requester’s own words', () => {
  test('when amount, currency or customer are not in the requester’s messages, then each is flagged; words of the bot or of others do not count', async () => {
    const context = agentIn();
    await say(context, 'please charge Globex for the workshop');
    await say(context, 'It is $1,008 for Initech, charge them.', { userId: 'U0SOMEONEELSE' });
    await say(context, 'Shall I charge Initech €1,008?', { role: 'assistant' });
    const request = await created(context, proposal('1,008', { customerName: 'Initech', currency: 'EUR' }));
    expect(codes(request.flags)).toEqual(['amount_not_stated', 'currency_not_stated', 'customer_not_stated']);
    expect(request.requesterWords).toBe('please charge Globex for the workshop');
  });

  test('a grounded proposal has no flags, and keeps the requester’s words of the conversation', async () => {
    const context = agentIn();
    await say(context, 'charge Globex');
    await say(context, '1009.00 USD, for the workshop');
    const request = await created(context, proposal('1,009', { customerName: 'Globex Corporation' }));
    expect(request.flags).toEqual([]);
    expect(request.requesterWords).toBe('charge Globex\n1009.00 USD, for the workshop');
    const [create] = await listAudit(db.db, request.id);
    expect(create?.details).toEqual({ source: 'agent', flags: [] });
  });

  test('/charges new is grounded by definition', async () => {
    const request = await created(command('C0GROUND'), proposal('1,010', { customerName: 'Soylent' }));
    expect(request.flags).toEqual([]);
    expect(request.requesterWords).toBeNull();
  });
});

describe('an edit re-runs the flags', () => {
  test('through the agent, against the requester’s words; through the form, keeping only flags of untouched values', async () => {
    const context = agentIn();
    await say(context, 'charge Vandelay for the import work');
    const request = await created(context, proposal('1,011', { customerName: 'Vandelay Industries' }));
    expect(codes(request.flags)).toEqual(['amount_not_stated', 'currency_not_stated', 'customer_not_stated']);
    // A flag set elsewhere (the payment arrived after expiry) is not the assessment's to drop.
    await db.db.query(
      `UPDATE charge_requests SET flags = flags || '[{"code":"paid_after_expiry"}]'::jsonb WHERE id = $1`,
      [request.id],
    );

    await say(context, 'it is 1,012 dollars');
    const revised = await reviseCharge(
      deps(),
      request.reference,
      'U0REQUESTER',
      proposal('1,012', { customerName: 'Vandelay Industries' }),
      { scope: context },
    );
    expect(revised.ok && codes(revised.request.flags)).toEqual(['paid_after_expiry', 'customer_not_stated']);
    expect(revised.ok && revised.request.requesterWords).toBe(
      'charge Vandelay for the import work\nit is 1,012 dollars',
    );

    // An approver types a new customer name in the form: that value is now a person's word.
    const edited = await reviseCharge(
      deps(),
      request.reference,
      'U0FIN1',
      proposal('1,012', { customerName: 'Vandelay Imports' }),
    );
    expect(edited.ok && codes(edited.request.flags)).toEqual(['paid_after_expiry']);
    const trail = await listAudit(db.db, request.id);
    expect(trail.at(-1)).toMatchObject({ action: 'edit', details: { flags: [{ code: 'paid_after_expiry' }] } });
    expect(trail.at(-2)?.details.flags).toEqual([{ code: 'paid_after_expiry' }, { code: 'customer_not_stated' }]);
  });

  test('an edit that makes the amount identical to another open request flags the duplicate', async () => {
    const other = await created(command('C0EDIT'), proposal('1,013', { customerName: 'Wonka' }));
    const mine = await created(command('C0EDIT2'), proposal('1,014', { customerName: 'Wonka' }));
    const edited = await reviseCharge(deps(), mine.reference, 'U0FIN1', proposal('1,013', { customerName: 'Wonka' }));
    expect(edited.ok && edited.request.flags[0]).toMatchObject({
      code: 'possible_duplicate',
      facts: { reference: other.reference },
    });
  });
});
