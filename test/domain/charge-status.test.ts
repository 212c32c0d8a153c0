import { describe, expect, test } from '@jest/globals';
import {
  CHARGE_STATUSES,
  type ChargeAction,
  type ChargeStatus,
  checkTransition,
  TERMINAL_STATUSES,
  TRANSITIONS,
} from '../../src/domain/charge-status.js';

const actions = Object.keys(TRANSITIONS) as ChargeAction[];

describe('charge status machine', () => {
  test.each([
    ['pending_approval', 'approve', 'approved'],
    ['pending_approval', 'reject', 'rejected'],
    ['pending_approval', 'cancel', 'canceled'],
    ['approved', 'create_link', 'link_created'],
    ['approved', 'fail_link', 'link_failed'],
    ['link_failed', 'retry_link', 'approved'],
    ['link_created', 'record_payment', 'paid'],
    ['link_created', 'start_async_payment', 'payment_processing'],
    ['payment_processing', 'record_payment', 'paid'],
    ['payment_processing', 'fail_payment', 'payment_failed'],
    ['link_created', 'cancel', 'canceled'],
    ['paid', 'refund_partially', 'partially_refunded'],
    ['partially_refunded', 'refund_fully', 'refunded'],
    ['pending_approval', 'expire', 'expired'],
    ['link_created', 'expire_link', 'link_expired'],
    ['payment_failed', 'expire_link', 'link_expired'],
    ['link_expired', 'record_payment', 'paid'],
  ] as const)('%s --%s--> %s', (from, action, to) => {
    expect(checkTransition(from, action)).toEqual({ ok: true, to, newVersion: false });
  });

  test('an edit keeps the request pending and makes a new version', () => {
    expect(checkTransition('pending_approval', 'edit')).toEqual({ ok: true, to: 'pending_approval', newVersion: true });
  });

  test('asking again after the link expired makes a new version that waits for approval again', () => {
    expect(checkTransition('link_expired', 'request_again')).toEqual({
      ok: true,
      to: 'pending_approval',
      newVersion: true,
    });
  });

  test.each([
    ['approved', 'approve'],
    ['rejected', 'approve'],
    ['canceled', 'approve'],
    ['paid', 'cancel'],
    ['approved', 'edit'],
    ['link_created', 'edit'],
    ['pending_approval', 'create_link'],
    ['pending_approval', 'record_payment'],
    ['refunded', 'refund_partially'],
    ['link_created', 'retry_link'],
    ['expired', 'approve'],
    ['expired', 'request_again'],
    ['link_expired', 'approve'],
    ['link_expired', 'create_link'],
    ['payment_processing', 'expire_link'],
    ['approved', 'expire'],
  ] as const)('%s cannot %s', (from, action) => {
    const result = checkTransition(from, action);
    expect(result.ok).toBe(false);
    expect(result.ok || result.message).toMatch(/^cannot /);
    expect(result.ok || result.code).toBe('wrong_state');
  });

  test('money only moves after approval: no action leads from pending_approval to a link or a payment', () => {
    const reachableFromPending = actions
      .map((a) => checkTransition('pending_approval', a))
      .flatMap((r) => (r.ok ? [r.to] : []));
    expect(new Set(reachableFromPending)).toEqual(
      new Set(['pending_approval', 'approved', 'rejected', 'canceled', 'expired']),
    );
  });

  test('a timeout never approves: the moves made by time (expire, expire_link) lead away from money', () => {
    expect(TRANSITIONS.expire.to).toBe('expired');
    expect(TRANSITIONS.expire_link.to).toBe('link_expired');
    // What an expired link can become again: only a new version waiting for a person, or a recorded payment.
    const fromLinkExpired = actions.flatMap((a) => {
      const r = checkTransition('link_expired', a);
      return r.ok ? [r.to] : [];
    });
    expect(new Set(fromLinkExpired)).toEqual(new Set(['pending_approval', 'paid']));
  });

  test('terminal statuses have no way out', () => {
    for (const status of TERMINAL_STATUSES) {
      for (const action of actions) expect(checkTransition(status, action).ok).toBe(false);
    }
  });

  test('every status is reachable from pending_approval', () => {
    const seen = new Set<ChargeStatus>(['pending_approval']);
    for (let grew = true; grew; ) {
      grew = false;
      for (const from of [...seen]) {
        for (const action of actions) {
          const r = checkTransition(from, action);
          if (r.ok && !seen.has(r.to)) {
            seen.add(r.to);
            grew = true;
          }
        }
      }
    }
    expect([...seen].sort()).toEqual([...CHARGE_STATUSES].sort());
  });
});
