import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from '@jest/globals';

/** Every .ts file under src/, relative to the project root. */
function sources(dir = 'src'): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) return sources(file);
    return file.endsWith('.ts') ? [file] : [];
  });
}

const DATA_LAYER = /^src\/(db|persistence)\//;
const SQL = /\b(SELECT\s+[\w*(]|INSERT\s+INTO|UPDATE\s+[a-z_]+\s+SET|DELETE\s+FROM|FOR\s+UPDATE|pg_advisory|pg_notify)/;

describe('layers', () => {
  test('only src/db/ and src/persistence/ import the ORM or the driver', () => {
    const offenders = sources().filter(
      (file) => !DATA_LAYER.test(file) && /from '(typeorm|pg)'/.test(readFileSync(file, 'utf8')),
    );
    expect(offenders).toEqual([]);
  });

  test('no SQL text outside src/db/ and src/persistence/', () => {
    const offenders = sources().filter((file) => !DATA_LAYER.test(file) && SQL.test(readFileSync(file, 'utf8')));
    expect(offenders).toEqual([]);
  });

  test('only src/stripe/ imports the Stripe SDK at run time (use cases go through StripeGateway)', () => {
    const offenders = sources().filter(
      (file) => !/^src\/stripe\//.test(file) && /^import (?!type )[^;]*from 'stripe'/m.test(readFileSync(file, 'utf8')),
    );
    expect(offenders).toEqual([]);
  });
});

test('the README\'s "How the code is organised" names every folder under src/', () => {
  const readme = readFileSync('README.md', 'utf8');
  const section = readme.slice(readme.indexOf('## How the code is organised'));
  const tree = /```\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  const folders = readdirSync('src').filter((name) => statSync(path.join('src', name)).isDirectory());
  const missing = folders.filter((folder) => !new RegExp(`^\\s+${folder}/`, 'm').test(tree));
  expect(missing).toEqual([]);
});
