import type { ServerResponse } from 'node:http';
import { eventually, type FakeServer, sendJson, startFakeServer } from './http-fake.js';

type Params = Record<string, unknown>;

/** Stripe's form encoding (`a[b][0][c]=x`) back into nested objects, as Stripe's API reads it. */
export function parseStripeForm(body: string): Params {
  const root: Params = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const path = key.split(/\[|\]\[|\]/).filter(Boolean);
    let node: Record<string, unknown> = root;
    path.forEach((part, i) => {
      if (i === path.length - 1) {
        node[part] = value;
        return;
      }
      node[part] ??= {};
      node = node[part] as Record<string, unknown>;
    });
  }
  return root;
}

export interface StripeError {
  status: number;
  type: string;
  code?: string;
  message: string;
}

export interface PaymentLink {
  id: string;
  object: 'payment_link';
  active: boolean;
  url: string;
  livemode: false;
  metadata: Record<string, string>;
  restrictions: unknown;
  params: Params;
}

/**
 * A loopback Stripe speaking its wire format to the real `stripe` client: form-encoded bodies,
 * Idempotency-Key replay (same key → same stored response), errors in Stripe's error shape, and
 * failures on demand.
 */
export class FakeStripe {
  readonly links: PaymentLink[] = [];
  readonly requests: { method: string; path: string; params: Params; idempotencyKey?: string; replayed: boolean }[] =
    [];
  /** Checkout sessions returned by GET /v1/checkout/sessions (filtered by payment_link and status). */
  readonly sessions: Record<string, unknown>[] = [];
  readonly customers = [{ id: 'cus_acme', object: 'customer', name: 'Acme Corp', email: 'billing@acme.test' }];
  private readonly stored = new Map<string, { status: number; body: unknown }>();
  private readonly failures: { route: string; error: StripeError }[] = [];
  private readonly denied = new Set<string>();
  private held: ServerResponse[] | undefined;
  private server!: FakeServer;

  static async start(): Promise<FakeStripe> {
    const fake = new FakeStripe();
    fake.server = await startFakeServer((req, res, body) =>
      fake.handle(req.method ?? 'GET', req.url ?? '/', req.headers, body, res),
    );
    return fake;
  }

  get apiBase(): string {
    return this.server.url;
  }

  /** The next request to `route` (e.g. "POST /v1/payment_links") fails with this error. */
  failNext(route: string, error: StripeError): void {
    this.failures.push({ route, error });
  }

  /** Requests to `route` get a permission error, as for a restricted key without that permission. */
  deny(route: string): void {
    this.denied.add(route);
  }

  /** Creations still happen, but their responses are held back: the caller never hears (a crash). */
  holdCreateResponses(): void {
    this.held = [];
  }

  createCalls(): { idempotencyKey?: string; replayed: boolean; params: Params }[] {
    return this.requests.filter((r) => r.method === 'POST' && r.path === '/v1/payment_links');
  }

  waitForLinks(count: number): Promise<PaymentLink[]> {
    return eventually(() => (this.links.length >= count ? this.links : undefined), `${count} payment links`);
  }

  async close(): Promise<void> {
    for (const res of this.held ?? []) res.destroy();
    await this.server.close();
  }

  private handle(
    method: string,
    url: string,
    headers: Record<string, string | string[] | undefined>,
    body: string,
    res: ServerResponse,
  ) {
    const { pathname, searchParams } = new URL(url, 'http://x');
    const route = `${method} ${pathname.replace(/\/(plink|cs|cus|pi)_[A-Za-z0-9_]+/, '/:id')}`;
    const idempotencyKey = typeof headers['idempotency-key'] === 'string' ? headers['idempotency-key'] : undefined;
    const params = method === 'GET' ? Object.fromEntries(searchParams) : parseStripeForm(body);
    const replay = idempotencyKey ? this.stored.get(idempotencyKey) : undefined;
    this.requests.push({ method, path: pathname, params, idempotencyKey, replayed: Boolean(replay) });
    if (replay) return sendJson(res, replay.status, replay.body, { 'idempotent-replayed': 'true' });

    const respond = (status: number, payload: unknown) => {
      if (idempotencyKey) this.stored.set(idempotencyKey, { status, body: payload });
      sendJson(res, status, payload, { 'request-id': `req_${this.requests.length}` });
    };
    if (this.denied.has(route)) {
      return respond(403, {
        error: {
          type: 'invalid_request_error',
          code: 'secret_key_required',
          message: `The provided key does not have the required permissions for ${route}.`,
        },
      });
    }
    const failureIndex = this.failures.findIndex((f) => f.route === route);
    const error = failureIndex >= 0 ? this.failures.splice(failureIndex, 1)[0]?.error : undefined;
    if (error) {
      // 5xx responses are not stored for replay, as at Stripe, so a retry can succeed.
      if (error.status >= 500)
        return sendJson(res, error.status, { error: { type: error.type, message: error.message } });
      return respond(error.status, { error: { type: error.type, code: error.code, message: error.message } });
    }

    if (route === 'POST /v1/payment_links') {
      const id = `plink_${this.links.length + 1}${Math.random().toString(36).slice(2, 8)}`;
      const link: PaymentLink = {
        id,
        object: 'payment_link',
        active: true,
        url: `https://buy.stripe.com/test_${id}`,
        livemode: false,
        metadata: (params.metadata ?? {}) as Record<string, string>,
        restrictions: params.restrictions ?? null,
        params,
      };
      this.links.push(link);
      const { params: _p, ...wire } = link;
      if (this.held) {
        if (idempotencyKey) this.stored.set(idempotencyKey, { status: 200, body: wire });
        this.held.push(res);
        return;
      }
      return respond(200, wire);
    }
    if (route === 'POST /v1/payment_links/:id') {
      const link = this.links.find((l) => pathname.endsWith(l.id));
      if (!link)
        return respond(404, {
          error: { type: 'invalid_request_error', code: 'resource_missing', message: 'No such payment link' },
        });
      if (params.active !== undefined) link.active = params.active === 'true';
      const { params: _p, ...wire } = link;
      return respond(200, wire);
    }
    if (route === 'GET /v1/payment_intents/:id') {
      // Payment intents made through a link carry the link's payment_intent_data.metadata.
      const link = this.links.find((l) => pathname.endsWith(`pi_${l.id}`));
      if (!link)
        return respond(404, {
          error: { type: 'invalid_request_error', code: 'resource_missing', message: 'No such payment_intent' },
        });
      const intentData = link.params.payment_intent_data as { metadata?: Record<string, string> } | undefined;
      return respond(200, { id: `pi_${link.id}`, object: 'payment_intent', metadata: intentData?.metadata ?? {} });
    }
    if (route === 'GET /v1/payment_links') {
      const data = this.links.map(({ params: _p, ...wire }) => wire);
      return respond(200, { object: 'list', data, has_more: false, url: pathname });
    }
    if (route === 'GET /v1/checkout/sessions') {
      const data = this.sessions.filter(
        (session) =>
          (!params.payment_link || session.payment_link === params.payment_link) &&
          (!params.status || session.status === params.status),
      );
      return respond(200, { object: 'list', data, has_more: false, url: pathname });
    }
    if (route === 'GET /v1/customers/search') {
      const q = String(params.query ?? '').toLowerCase();
      const data = this.customers.filter((c) => q.includes(c.name.toLowerCase().split(' ')[0] ?? ''));
      return respond(200, { object: 'search_result', data, has_more: false, url: pathname });
    }
    return respond(404, { error: { type: 'invalid_request_error', message: `Unrecognized request URL (${route})` } });
  }
}
