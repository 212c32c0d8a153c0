import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from '@jest/globals';
import { freePort } from '../src/db/embedded.js';
import { APPROVERS, SIGNING_SECRET } from './support/app.js';
import { createEmptyDatabase } from './support/database.js';
import { type FakeSlack, slackSignature, slashCommandFields, startFakeSlack } from './support/fake-slack.js';
import { query } from './support/flows.js';
import { eventually } from './support/http-fake.js';
import { type AppProcess, isReady, runEntry, waitForProcess } from './support/process.js';

let processes: AppProcess[] = [];
let slack: FakeSlack | undefined;
afterEach(async () => {
  for (const p of processes) await p.stop();
  await slack?.close();
  processes = [];
});

async function startRole(
  role: string,
  databaseUrl: string,
  fake: FakeSlack,
): Promise<{ run: AppProcess; port: number }> {
  const port = await freePort();
  const run = runEntry(
    'main',
    {
      ROLE: role,
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      SLACK_BOT_TOKEN: 'xoxb-test-token',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: fake.apiUrl,
      APPROVER_USER_IDS: APPROVERS.join(','),
      NODE_ENV: 'production',
    },
    mkdtempSync(path.join(tmpdir(), `countersign-${role}-`)),
  );
  processes.push(run);
  await waitForProcess('/readyz 200', isReady(port), run);
  return { run, port };
}

/** The card's outbox items (approvers' DM copies follow the same path and have their own tests). */
const outbox = (url: string) =>
  query<{ kind: string; status: string; attempts: number }>(
    url,
    `SELECT kind, status, attempts FROM slack_outbox WHERE kind <> 'dm_card' ORDER BY id`,
  );

describe('ROLE=web and ROLE=worker', () => {
  test('when a web and a worker process share a database, then web delivers nothing and the worker delivers what web queued', async () => {
    slack = await startFakeSlack();
    const databaseUrl = await createEmptyDatabase();
    const web = await startRole('web', databaseUrl, slack);
    expect(web.run.output()).toMatch(/role web · .*queues left to a worker/);

    const body = new URLSearchParams(
      slashCommandFields({ text: 'new 1,200 USD Acme Corp — Q3 workshop', response_url: slack.responseUrl('web') }),
    ).toString();
    const res = await fetch(`http://127.0.0.1:${web.port}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...slackSignature(SIGNING_SECRET, body) },
      body,
    });
    expect(res.status).toBe(200);
    await slack.waitForCall('response_url', (c) => c.args.path === '/response/web');
    expect(await outbox(databaseUrl)).toEqual([{ kind: 'post_card', status: 'pending', attempts: 0 }]);

    // Nothing in the web process listens for queued work. (That it never claims any is shown below:
    // the worker, starting seconds later, makes the first and only attempt.)
    const listening = await query(
      databaseUrl,
      `SELECT 1 FROM pg_stat_activity WHERE application_name = 'countersign-listen' AND datname = current_database()`,
    );
    expect(listening).toEqual([]);
    expect(slack.callsOf('chat.postMessage')).toEqual([]);

    // A worker on the same database delivers it, once; it serves the health routes and metrics too.
    const worker = await startRole('worker', databaseUrl, slack);
    expect(worker.run.output()).toMatch(/role worker · .*queues delivered here/);
    const card = await slack.waitForCall('chat.postMessage', (c) => Array.isArray(c.args.blocks), 15_000);
    expect(card.args.channel).toBe('C0SALES');
    await eventually(
      async () => ((await outbox(databaseUrl))[0]?.status === 'delivered' ? true : undefined),
      'delivered by the worker',
    );
    expect(await outbox(databaseUrl)).toEqual([{ kind: 'post_card', status: 'delivered', attempts: 1 }]);
    // The approvers' DM copies are delivered too; then nothing waits.
    await eventually(async () => {
      const metrics = await fetch(`http://127.0.0.1:${worker.port}/metrics`);
      return /^countersign_outbox_depth 0$/m.test(await metrics.text()) ? true : undefined;
    }, 'an empty outbox in the worker metrics');
    expect((await fetch(`http://127.0.0.1:${worker.port}/healthz`)).status).toBe(200);
    // The worker serves no Slack routes.
    expect((await fetch(`http://127.0.0.1:${worker.port}/slack/events`, { method: 'POST' })).status).toBe(404);

    expect(await web.run.stop()).toBe(0);
    expect(await worker.run.stop()).toBe(0);
  }, 120_000);

  test('when `npm run migrate` runs alone, then the schema is current and it exits 0', async () => {
    const databaseUrl = await createEmptyDatabase();
    const run = runEntry('migrate', { DATABASE_URL: databaseUrl }, mkdtempSync(path.join(tmpdir(), 'countersign-m-')));
    processes.push(run);
    const code = await run.exited;
    expect({ code, output: run.output() }).toEqual({
      code: 0,
      output: expect.stringContaining('database schema is current'),
    });
    const [row] = await query<{ n: string }>(databaseUrl, 'SELECT count(*) AS n FROM migrations');
    expect(Number(row?.n)).toBeGreaterThan(0);
  }, 60_000);
});
