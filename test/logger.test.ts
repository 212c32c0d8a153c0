import { Writable } from 'node:stream';
import { expect, test } from '@jest/globals';
import { createLogger, redactText } from '../src/logger.js';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(String(chunk));
      callback();
    },
  });
  return { lines, destination };
}

test('when a configured secret or a credential-shaped string is logged, then the line carries [redacted]', () => {
  const { lines, destination } = capture();
  const logger = createLogger({ level: 'info', secrets: ['my-signing-secret-value'], destination });
  logger.info(
    {
      headers: { authorization: 'Bearer abc' },
      url: 'postgres://app:hunter2@db:5432/x',
      note: 'sig my-signing-secret-value',
    },
    'calling with xoxb-123-456-abcdef and sk_live_51Habc',
  );
  logger.error({ err: new Error('Stripe said: invalid key rk_test_zzz999') }, 'failed');
  const out = lines.join('');
  for (const secret of [
    'my-signing-secret-value',
    'xoxb-123-456',
    'sk_live_51Habc',
    'hunter2',
    'rk_test_zzz999',
    'Bearer abc',
  ]) {
    expect(out).not.toContain(secret);
  }
  expect(out).toContain('postgres://app:[redacted]@db:5432/x');
  expect(JSON.parse(lines[1] ?? '{}').err).toMatchObject({
    type: 'Error',
    message: 'Stripe said: invalid key [redacted]',
  });
  expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ level: 'info', service: 'countersign' });
});

test('redactText leaves ordinary text alone', () => {
  expect(redactText('CR-1042 approved by U123 for $1,200.00', [])).toBe('CR-1042 approved by U123 for $1,200.00');
});
