import { Writable } from 'node:stream';
import { expect, test } from '@jest/globals';
import { chooseLogFormat, createLogger, redactText } from '../src/logger.js';

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

test('when no LOG_FORMAT is set, then logs are pretty only on a terminal in development', () => {
  const choose = (configured: 'pretty' | 'json' | undefined, env: string, isTTY: boolean) =>
    chooseLogFormat({ configured, env, isTTY });
  expect(choose(undefined, 'development', true)).toBe('pretty');
  expect(choose(undefined, 'development', false)).toBe('json');
  expect(choose(undefined, 'production', true)).toBe('json');
  expect(choose(undefined, 'test', true)).toBe('json');
  expect(choose('json', 'development', true)).toBe('json');
  expect(choose('pretty', 'production', false)).toBe('pretty');
});

test('when the format is pretty, then a line reads as words and is still scrubbed of secrets', () => {
  const { lines, destination } = capture();
  const logger = createLogger({ level: 'info', secrets: ['my-signing-secret-value'], destination, format: 'pretty' });
  logger.info({ port: 3000 }, 'listening with my-signing-secret-value and xoxb-123-456-abcdef');
  const out = lines.join('');
  expect(out).toMatch(/^\[\d\d:\d\d:\d\d\] INFO: listening with \[redacted\] and \[redacted\]\n\s+port: 3000/);
  expect(() => JSON.parse(out)).toThrow();
});
