import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { eventually, type FakeServer, sendJson, startFakeServer } from './http-fake.js';
import { coerceStripeParams, decodeStripeForm, type Params, validateStripeParams } from './stripe-schemas.js';
import { isObject, type JsonObject, vendorJson } from './vendor.js';

export type { Params } from './stripe-schemas.js';

/** Stripe's form encoding (`a[b][0][c]=x`) back into nested objects and arrays, as Stripe's API reads it. */
export const parseStripeForm = decodeStripeForm;

export interface StripeError {
  status: number;
  type: string;
  code?: string;
  message: string;
}

/** A payment link as Stripe returns it (every field of Stripe's example object), plus the parameters it was made with. */
export interface PaymentLink {
  id: string;
  object: 'payment_link';
  active: boolean;
  url: string;
  livemode: false;
  metadata: Record<string, string>;
  restrictions: unknown;
  params: Params;
  [field: string]: unknown;
}

export interface StripeRequest {
  method: string;
  path: string;
  params: Params;
  idempotencyKey?: string;
  replayed: boolean;
  /** The HTTP status answered (undefined while held or dropped). */
  status?: number;
}

type StoredResponse = { status: number; body: unknown; headers: Record<string, string> };

/** Example objects of Stripe's OpenAPI fixtures (test/fixtures/vendor/stripe/fixtures3.json). */
export function stripeFixture(resource: string): JsonObject {
  const all = vendorJson<{ resources: Record<string, JsonObject> }>('stripe/fixtures3.json');
  const object = all.resources[resource];
  if (!object) throw new Error(`no Stripe fixture for ${resource}`);
  return object;
}

const IDEMPOTENT_METHODS = new Set(['POST']);

/** Stable JSON of decoded parameters: the same request twice compares equal whatever the key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (isObject(value)) {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The restricted-key permission each endpoint needs, by Stripe's names (`rak_` + these); a `_write`
 * permission includes its `_read`.
 * @see https://docs.stripe.com/keys/restricted-api-keys
 */
const REQUIRED_PERMISSION: Record<string, string> = {
  'POST /v1/payment_links': 'payment_link_write',
  'POST /v1/payment_links/:id': 'payment_link_write',
  'GET /v1/payment_links': 'payment_link_read',
  'GET /v1/payment_links/:id': 'payment_link_read',
  'GET /v1/checkout/sessions': 'checkout_session_read',
  'GET /v1/customers/search': 'customer_read',
  'GET /v1/payment_intents/:id': 'payment_intent_read',
};

const ACCOUNT_ID = 'acct_1CountersignTest';

const invalidRequest = (status: number, message: string, extra: JsonObject = {}) => ({
  status,
  body: { error: { type: 'invalid_request_error', message, ...extra } },
});

/**
 * A loopback Stripe speaking its wire format to the real `stripe` client, as strict as Stripe:
 * API keys checked; form bodies decoded and validated against the parameter schemas of stripe@23.1.0
 * (400 parameter_unknown, parameter_missing, parameter_invalid_*, metadata limits, price/price_data);
 * objects built on Stripe's example objects; and idempotency exactly as Stripe v1 keeps it:
 *
 * - the first response for a key is stored once the endpoint starts executing, and replayed to every
 *   retry with that key with `Idempotent-Replayed: true`, 500 errors included;
 * - a request that fails validation, authentication or permission is not stored (nothing executed);
 * - a restricted key (restrictKey) gets 403 for an endpoint outside its permissions, before the
 *   endpoint looks anything up, with Stripe's message naming the permission it lacks;
 * - a retry while the first request with the key is still running gets 409 idempotency_error;
 * - the same key with other parameters, or on another endpoint, gets 400 idempotency_error.
 *
 * @see https://docs.stripe.com/api/idempotent_requests
 * @see https://docs.stripe.com/error-low-level#idempotency
 */
export class FakeStripe {
  readonly links: PaymentLink[] = [];
  readonly requests: StripeRequest[] = [];
  /** Checkout sessions returned by GET /v1/checkout/sessions (filtered by payment_link and status). */
  readonly sessions: Record<string, unknown>[] = [];
  readonly customers: JsonObject[] = [
    { ...stripeFixture('customer'), id: 'cus_acme', name: 'Acme Corp', email: 'billing@acme.test' },
  ];
  private readonly stored = new Map<string, { route: string; params: string; response: StoredResponse }>();
  private readonly running = new Map<string, { route: string; params: string }>();
  private readonly failures: { route: string; error: StripeError; afterExecuting: boolean }[] = [];
  private readonly drops: string[] = [];
  private readonly holds: { route: string; released: Promise<void> }[] = [];
  private readonly restricted = new Map<string, ReadonlySet<string>>();
  private held: ServerResponse[] | undefined;
  private created = 0;
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

  /**
   * The next request to `route` (e.g. "POST /v1/payment_links") fails with this error while the
   * endpoint runs. Like Stripe, the failure is stored under the request's idempotency key and replayed
   * to retries with that key, 5xx included; authentication and permission errors (401, 403) are not.
   * With `afterExecuting`, the endpoint did its work (the link exists) before it failed, as an
   * internal error after the write leaves it at Stripe.
   */
  failNext(route: string, error: StripeError, options: { afterExecuting?: boolean } = {}): void {
    this.failures.push({ route, error, afterExecuting: options.afterExecuting === true });
  }

  /** Forgets the failures and drops queued with failNext and dropNext that have not happened yet (Stripe recovered). */
  clearFailures(): void {
    this.failures.length = 0;
    this.drops.length = 0;
  }

  /** The next request to `route` never reaches Stripe's API: the connection drops (nothing is stored). */
  dropNext(route: string): void {
    this.drops.push(route);
  }

  /**
   * The next request to `route` starts executing and waits until released: meanwhile a retry with
   * its idempotency key gets 409. Returns the release.
   */
  holdNext(route: string): () => void {
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.holds.push({ route, released });
    return release;
  }

  /**
   * `key` is a restricted key holding only `permissions` (Stripe's names without `rak_`, e.g.
   * `payment_link_read`): a request it makes to an endpoint that needs another gets Stripe's 403.
   */
  restrictKey(key: string, permissions: readonly string[]): void {
    this.restricted.set(key, new Set(permissions));
  }

  /** Creations still happen, but their responses are held back: the caller never hears (a crash). */
  holdCreateResponses(): void {
    this.held = [];
  }

  createCalls(): StripeRequest[] {
    return this.requests.filter((r) => r.method === 'POST' && r.path === '/v1/payment_links');
  }

  waitForLinks(count: number): Promise<PaymentLink[]> {
    return eventually(() => (this.links.length >= count ? this.links : undefined), `${count} payment links`);
  }

  async close(): Promise<void> {
    for (const res of this.held ?? []) res.destroy();
    await this.server.close();
  }

  private async handle(
    method: string,
    url: string,
    headers: IncomingHttpHeaders,
    body: string,
    res: ServerResponse,
  ): Promise<void> {
    const { pathname, search } = new URL(url, 'http://x');
    const route = `${method} ${pathname.replace(/\/(plink|cs|cus|pi|ch|dp)_[A-Za-z0-9_]+/, '/:id')}`;
    const idempotencyKey =
      IDEMPOTENT_METHODS.has(method) && typeof headers['idempotency-key'] === 'string'
        ? headers['idempotency-key']
        : undefined;
    const params = decodeStripeForm(method === 'GET' || method === 'DELETE' ? search.slice(1) : body);
    const request: StripeRequest = { method, path: pathname, params, idempotencyKey, replayed: false };
    this.requests.push(request);
    const requestId = `req_${String(this.requests.length).padStart(14, '0')}`;
    const send = (response: StoredResponse, replayed = false) => {
      request.status = response.status;
      sendJson(res, response.status, response.body, {
        'request-id': requestId,
        ...response.headers,
        ...(replayed ? { 'idempotent-replayed': 'true' } : {}),
        ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
      });
    };

    const dropIndex = this.drops.indexOf(route);
    if (dropIndex >= 0) {
      this.drops.splice(dropIndex, 1);
      res.destroy();
      return;
    }

    // Authentication and permission come first; nothing has executed, so nothing is stored.
    const key = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? '')?.[1];
    if (!key) {
      return send({
        ...invalidRequest(
          401,
          'You did not provide an API key. You need to provide your API key in the Authorization header.',
        ),
        headers: {},
      });
    }
    if (!/^(sk|rk)_(test|live)_[A-Za-z0-9]+$/.test(key)) {
      return send({ ...invalidRequest(401, `Invalid API Key provided: ${key.slice(0, 8)}***`), headers: {} });
    }
    const lacking = this.lackingPermission(key, route);
    if (lacking) {
      // As Stripe words it: the key masked but for its last characters, the account, the permission.
      const masked = `${key.slice(0, 8)}${'*'.repeat(Math.max(0, key.length - 14))}${key.slice(-6)}`;
      return send({
        ...invalidRequest(
          403,
          `The provided key '${masked}' does not have the required permissions for this endpoint on account '${ACCOUNT_ID}'. Having the 'rak_${lacking}' permission would allow this request to continue.`,
        ),
        headers: {},
      });
    }

    const fingerprint = { route, params: canonical(params) };
    if (idempotencyKey) {
      const previous = this.stored.get(idempotencyKey) ?? this.running.get(idempotencyKey);
      if (previous && (previous.route !== route || previous.params !== fingerprint.params)) {
        return send({
          status: 400,
          body: {
            error: {
              type: 'idempotency_error',
              message:
                previous.route !== route
                  ? `Keys for idempotent requests can only be used for the same endpoint they were first used for ('${previous.route}' vs '${route}'). Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`
                  : `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`,
            },
          },
          headers: {},
        });
      }
      const replay = this.stored.get(idempotencyKey);
      if (replay) {
        request.replayed = true;
        return send(replay.response, true);
      }
      if (this.running.has(idempotencyKey)) {
        return send({
          status: 409,
          body: {
            error: {
              type: 'idempotency_error',
              code: 'idempotency_key_in_use',
              message: `There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through): ${idempotencyKey}. Please try again later.`,
            },
          },
          headers: {},
        });
      }
    }

    const invalid = validateStripeParams(route, params);
    if (invalid) {
      const { status, ...error } = invalid;
      return send({ status, body: { error }, headers: {} });
    }

    // The endpoint starts executing: from here on the outcome is stored under the key.
    if (idempotencyKey) this.running.set(idempotencyKey, fingerprint);
    const store = (response: StoredResponse) => {
      // Replays name the request that produced them.
      const kept = { ...response, headers: { ...response.headers, 'original-request': requestId } };
      if (idempotencyKey) {
        this.running.delete(idempotencyKey);
        this.stored.set(idempotencyKey, { ...fingerprint, response: kept });
      }
      return kept;
    };

    const holdIndex = this.holds.findIndex((h) => h.route === route);
    if (holdIndex >= 0) {
      const [hold] = this.holds.splice(holdIndex, 1);
      await hold?.released;
    }

    const failureIndex = this.failures.findIndex((f) => f.route === route);
    const queued = failureIndex >= 0 ? this.failures.splice(failureIndex, 1)[0] : undefined;
    const failure = queued?.error;
    if (queued?.afterExecuting) this.execute(route, pathname, coerceStripeParams(route, params), params);
    if (failure) {
      const response: StoredResponse = {
        status: failure.status,
        body: {
          error: { type: failure.type, ...(failure.code ? { code: failure.code } : {}), message: failure.message },
        },
        // Stripe tells clients not to retry a stored failure: a retry with the key would replay it.
        // @see stripe-node RequestSender._shouldRetry ("we expect the stripe-should-retry header to be false")
        headers: idempotencyKey ? { 'stripe-should-retry': 'false' } : {},
      };
      if (failure.status === 401 || failure.status === 403) {
        if (idempotencyKey) this.running.delete(idempotencyKey);
        return send(response);
      }
      return send(store(response));
    }

    const outcome = this.execute(route, pathname, coerceStripeParams(route, params), params);
    const response = store({ ...outcome, headers: {} });
    if (this.held && route === 'POST /v1/payment_links' && response.status === 200) {
      this.held.push(res);
      return;
    }
    return send(response);
  }

  /** The permission a restricted key lacks for `route`, if it is restricted and lacks one. */
  private lackingPermission(key: string, route: string): string | undefined {
    const held = this.restricted.get(key);
    const needed = REQUIRED_PERMISSION[route];
    if (!held || !needed) return undefined;
    return held.has(needed) || held.has(needed.replace(/_read$/, '_write')) ? undefined : needed;
  }

  private execute(route: string, pathname: string, params: Params, raw: Params): { status: number; body: unknown } {
    const id = pathname.split('/').at(-1) ?? '';
    switch (route) {
      case 'POST /v1/payment_links': {
        const link = this.createLink(params, raw);
        this.links.push(link);
        return { status: 200, body: wire(link) };
      }
      case 'POST /v1/payment_links/:id': {
        const link = this.links.find((l) => l.id === id);
        if (!link) return missing('payment_link', id);
        if (typeof params.active === 'boolean') link.active = params.active;
        if (isObject(params.metadata)) link.metadata = mergeMetadata(link.metadata, params.metadata);
        return { status: 200, body: wire(link) };
      }
      case 'GET /v1/payment_links/:id': {
        const link = this.links.find((l) => l.id === id);
        return link ? { status: 200, body: wire(link) } : missing('payment_link', id);
      }
      case 'GET /v1/payment_links': {
        // Newest first, as Stripe lists.
        const all = [...this.links]
          .reverse()
          .filter((l) => typeof params.active !== 'boolean' || l.active === params.active)
          .map(wire);
        return page(all, params, pathname, 'payment_link');
      }
      case 'GET /v1/payment_intents/:id': {
        // Payment intents made through a link (its first checkout's is `pi_<link id>`; others are the
        // intents of the sessions in `sessions`) carry the link's payment_intent_data.metadata.
        const session = this.sessions.find((s) => s.payment_intent === id);
        const link = this.links.find((l) => id === `pi_${l.id}` || session?.payment_link === l.id);
        if (!link) return missing('payment_intent', id);
        const intentData = isObject(link.params.payment_intent_data) ? link.params.payment_intent_data : {};
        return {
          status: 200,
          body: {
            ...stripeFixture('payment_intent'),
            id,
            metadata: isObject(intentData.metadata) ? intentData.metadata : {},
            currency: link.currency,
            status: 'succeeded',
          },
        };
      }
      case 'GET /v1/checkout/sessions': {
        const data = [...this.sessions]
          .reverse()
          .filter(
            (session) =>
              (!params.payment_link || session.payment_link === params.payment_link) &&
              (!params.status || session.status === params.status) &&
              (!params.payment_intent || session.payment_intent === params.payment_intent),
          );
        return page(data, params, pathname, 'checkout.session');
      }
      case 'GET /v1/customers/search': {
        const q = String(params.query ?? '').toLowerCase();
        const data = this.customers.filter((c) => q.includes(String(c.name).toLowerCase().split(' ')[0] ?? ''));
        const limit = typeof params.limit === 'number' ? params.limit : 10;
        return {
          status: 200,
          body: {
            object: 'search_result',
            data: data.slice(0, limit),
            has_more: data.length > limit,
            next_page: null,
            url: pathname,
          },
        };
      }
      default:
        return invalidRequest(
          404,
          `Unrecognized request URL (${route.replace(' ', ': ')}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
        );
    }
  }

  /** Stripe's example payment link with the fields this request controls filled in. */
  private createLink(params: Params, raw: Params): PaymentLink {
    this.created += 1;
    const id = `plink_${String(this.created).padStart(4, '0')}${Math.random().toString(36).slice(2, 12)}`;
    const fixture = stripeFixture('payment_link');
    const lineItems = Array.isArray(params.line_items) ? params.line_items : [];
    const priceData = isObject(lineItems[0]) && isObject(lineItems[0].price_data) ? lineItems[0].price_data : {};
    const intentData = isObject(params.payment_intent_data) ? params.payment_intent_data : {};
    const completed = isObject(params.restrictions) ? params.restrictions.completed_sessions : undefined;
    return {
      ...fixture,
      id,
      object: 'payment_link',
      active: true,
      url: `https://buy.stripe.com/test_${id.slice(6)}`,
      livemode: false,
      currency: typeof priceData.currency === 'string' ? priceData.currency : fixture.currency,
      metadata: stringValues(params.metadata),
      payment_intent_data: {
        ...(isObject(fixture.payment_intent_data) ? fixture.payment_intent_data : {}),
        metadata: stringValues(intentData.metadata),
      },
      restrictions: isObject(completed) ? { completed_sessions: { count: 0, limit: completed.limit } } : null,
      params: raw,
    };
  }
}

function wire(link: PaymentLink): JsonObject {
  const { params: _params, ...rest } = link;
  return rest;
}

/** Stripe returns metadata values as strings. */
function stringValues(value: unknown): Record<string, string> {
  if (!isObject(value)) return {};
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v ?? '')]));
}

/** Updates merge metadata; an empty value unsets a key. */
function mergeMetadata(current: Record<string, string>, update: JsonObject): Record<string, string> {
  const merged = { ...current, ...stringValues(update) };
  for (const [key, value] of Object.entries(merged)) if (value === '') delete merged[key];
  return merged;
}

function missing(resource: string, id: string) {
  return invalidRequest(404, `No such ${resource}: '${id}'`, { code: 'resource_missing', param: 'id' });
}

/**
 * A list page: `limit` (default 10), and cursors `starting_after` / `ending_before` by object id.
 * @see https://docs.stripe.com/api/pagination
 */
function page(all: readonly Record<string, unknown>[], params: Params, url: string, resource: string) {
  const limit = typeof params.limit === 'number' ? params.limit : 10;
  const cursor = typeof params.starting_after === 'string' ? 'starting_after' : 'ending_before';
  const id = params[cursor];
  const at = typeof id === 'string' ? all.findIndex((o) => o.id === id) : -1;
  if (typeof id === 'string' && at < 0) {
    return invalidRequest(400, `No such ${resource}: '${id}'`, { code: 'resource_missing', param: cursor });
  }
  let data: readonly Record<string, unknown>[];
  let hasMore: boolean;
  if (typeof id === 'string' && cursor === 'starting_after') {
    const rest = all.slice(at + 1);
    data = rest.slice(0, limit);
    hasMore = rest.length > limit;
  } else if (typeof id === 'string') {
    const before = all.slice(0, at);
    data = before.slice(-limit);
    hasMore = before.length > limit;
  } else {
    data = all.slice(0, limit);
    hasMore = all.length > limit;
  }
  return { status: 200, body: { object: 'list', data, has_more: hasMore, url } };
}
