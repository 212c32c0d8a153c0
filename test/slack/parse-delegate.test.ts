import { describe, expect, test } from '@jest/globals';
import { parseDelegate } from '../../src/slack/listeners/commands/parse-delegate.js';

describe('/charges delegate arguments', () => {
  test('when the person is picked from Slack’s suggestions, then their id is read from the mention', () => {
    expect(parseDelegate('<@U0BOB|bob> until 2026-11-30 parental leave')).toEqual({
      ok: true,
      command: { kind: 'set', delegateId: 'U0BOB', until: '2026-11-30', reason: 'parental leave' },
    });
    expect(parseDelegate('<@W0BOB|bob smith> UNTIL 2026-11-30')).toMatchObject({
      command: { delegateId: 'W0BOB', reason: null },
    });
    expect(parseDelegate('<@U0BOB> until 2026-11-30')).toMatchObject({ command: { delegateId: 'U0BOB' } });
  });

  test('when a bare Slack user id is given, then it is used as it is', () => {
    expect(parseDelegate('U0BOB until 2026-11-30')).toMatchObject({ ok: true, command: { delegateId: 'U0BOB' } });
  });

  test.each([
    'u0bob until 2026-11-30',
    'U0bob until 2026-11-30',
    'w0bob until 2026-11-30',
    '<@u0bob> until 2026-11-30',
  ])('when %s is given, then it is not taken for a user id (Slack ids are upper case)', (text) => {
    expect(parseDelegate(text)).toMatchObject({ ok: false, code: 'invalid_input' });
  });

  test('when a name is typed without picking it, then the answer says to pick it', () => {
    expect(parseDelegate('@bob until 2026-11-30')).toMatchObject({
      ok: false,
      message: expect.stringMatching(/Pick the person from Slack’s @-suggestions/),
    });
  });

  test('when the reason arrives escaped by Slack, then it is kept as typed (escaped again only when shown)', () => {
    expect(parseDelegate('<@U0BOB|bob> until 2026-11-30 R&amp;D offsite &lt;3 days&gt;')).toMatchObject({
      command: { reason: 'R&D offsite <3 days>' },
    });
  });

  test('off and nothing', () => {
    expect(parseDelegate(' OFF ')).toEqual({ ok: true, command: { kind: 'off' } });
    expect(parseDelegate('')).toEqual({ ok: true, command: { kind: 'show' } });
  });
});
