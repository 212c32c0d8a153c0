import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, test } from '@jest/globals';
import { SIGNING_SECRET, startTestApp, type TestApp } from '../support/app.js';
import { slackSignature } from '../support/fake-slack.js';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app.stop();
});

function send(path: string, body: string | Buffer, headers: Record<string, string>, chunked = false): Promise<string> {
  return new Promise((resolve) => {
    const url = new URL(app.base + path);
    const started = Date.now();
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path,
        method: 'POST',
        headers: chunked ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      },
      (res) => {
        let data = '';
        res.on('data', (c) => {
          data += c;
        });
        res.on('end', () => resolve(`${res.statusCode} ${data.slice(0, 100)} (${Date.now() - started}ms)`));
      },
    );
    req.on('error', (e) => resolve(`error ${e.message} (${Date.now() - started}ms)`));
    req.setTimeout(8000, () => {
      resolve('timeout');
      req.destroy();
    });
    if (chunked) {
      const b = Buffer.from(body);
      for (let i = 0; i < b.length; i += 65536) req.write(b.subarray(i, i + 65536));
      req.end();
    } else req.end(body);
  });
}
const big = 'x'.repeat(5 * 1024 * 1024);
test('probe', async () => {
  const out: string[] = [];
  const signedJson = (body: string) => ({
    'content-type': 'application/json',
    ...slackSignature(SIGNING_SECRET, body),
  });
  const signedForm = (body: string) => ({
    'content-type': 'application/x-www-form-urlencoded',
    ...slackSignature(SIGNING_SECRET, body),
  });
  const bigJson = JSON.stringify({ type: 'event_callback', pad: big });
  out.push('slack 5MB signed: ' + (await send('/slack/events', bigJson, signedJson(bigJson))));
  out.push('slack 5MB unsigned: ' + (await send('/slack/events', bigJson, { 'content-type': 'application/json' })));
  out.push('slack 5MB chunked signed: ' + (await send('/slack/events', bigJson, signedJson(bigJson), true)));
  out.push(
    'stripe 5MB: ' +
      (await send('/stripe/webhook', bigJson, { 'content-type': 'application/json', 'stripe-signature': 't=1,v1=x' })),
  );
  out.push(
    'stripe 5MB chunked: ' +
      (await send(
        '/stripe/webhook',
        bigJson,
        { 'content-type': 'application/json', 'stripe-signature': 't=1,v1=x' },
        true,
      )),
  );
  out.push('healthz 5MB: ' + (await send('/healthz', bigJson, { 'content-type': 'application/json' })));
  out.push('nope 5MB: ' + (await send('/nope', bigJson, { 'content-type': 'application/json' })));
  for (const b of [
    '{bad',
    '{}',
    '[]',
    'null',
    '"s"',
    '{"type":"event_callback"}',
    '{"type":"event_callback","event":{}}',
    '{"type":"event_callback","team_id":"T1","event":{"type":"app_mention"}}',
    '{"type":"event_callback","team_id":"T1","event":{"type":"message"}}',
    '{"type":"url_verification"}',
  ]) {
    out.push(`slack json ${b}: ` + (await send('/slack/events', b, signedJson(b))));
  }
  for (const b of [
    'payload=%7Bbad',
    'payload=%7B%7D',
    'payload=%7B%22type%22%3A%22block_actions%22%7D',
    'payload=%7B%22type%22%3A%22block_actions%22%2C%22actions%22%3A%5B%7B%7D%5D%7D',
    'payload=%7B%22type%22%3A%22view_submission%22%7D',
    'command=%2Fcharges',
    'command=%2Fcharges&text=help',
    'a=b',
    '',
  ]) {
    out.push(`slack form ${b}: ` + (await send('/slack/events', b, signedForm(b))));
  }
  out.push(
    'slack text/plain: ' +
      (await send('/slack/events', 'hello', {
        'content-type': 'text/plain',
        ...slackSignature(SIGNING_SECRET, 'hello'),
      })),
  );
  console.log(out.join('\n'));
}, 120000);
