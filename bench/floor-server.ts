import { createServer } from 'node:http';
import pg from 'pg';
import Stripe from 'stripe';

/**
 * The floor for webhook ingestion: the least any HTTP server must do per event, in a process of its
 * own. Plain node:http, the Stripe signature check, one insert into a table identical to the inbox,
 * 200. Countersign's ingestion is measured against this, on the same machine, in the same run.
 */
const secret = process.env.STRIPE_WEBHOOK_SECRET ?? '';
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    let event: Stripe.Event;
    try {
      event = Stripe.webhooks.constructEvent(body, String(req.headers['stripe-signature']), secret);
    } catch {
      res.writeHead(400).end();
      return;
    }
    pool
      .query('INSERT INTO stripe_events (id, type, payload) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING', [
        event.id,
        event.type,
        body.toString('utf8'),
      ])
      .then(
        () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"received":true}'),
        () => res.writeHead(500).end(),
      );
  });
});
server.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('floor listening'));
process.on('SIGTERM', () => server.close(() => void pool.end().then(() => process.exit(0))));
