import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import qs from 'qs';
import { isObject, type JsonObject, vendorJson } from './vendor.js';

/**
 * Stripe's request validation, from the JSON Schemas of the parameters stripe@23.1.0 accepts
 * (test/fixtures/vendor/stripe/*.params.schema.json, generated from its types). Every object is closed,
 * so an unknown parameter fails as Stripe answers it: 400 parameter_unknown. Form values are strings,
 * so numbers and booleans are coerced, as Stripe's form decoder does.
 *
 * @see https://docs.stripe.com/api/errors
 * @see https://docs.stripe.com/error-codes
 */

export type Params = Record<string, unknown>;

export interface StripeParamError {
  readonly status: 400;
  readonly type: 'invalid_request_error';
  /** Stripe's code where it sends one (parameter_unknown, parameter_missing, parameter_invalid_*, parameters_exclusive). */
  readonly code?: string;
  readonly param: string;
  readonly message: string;
}

/**
 * Stripe's form encoding (`a[b][0][c]=x`) back into nested objects and arrays, as Stripe reads it.
 * Deep and long enough for any parameter Stripe accepts (qs stops at 5 levels and 20 items by default).
 */
export function decodeStripeForm(body: string): Params {
  return qs.parse(body, { depth: 20, arrayLimit: 1000, parameterLimit: 10_000 }) as Params;
}

/** A JSON Schema of the TypeScript types, tightened where TypeScript cannot say what the API checks. */
function tighten(schema: unknown, propertyName?: string): void {
  if (Array.isArray(schema)) {
    for (const item of schema) tighten(item, propertyName);
    return;
  }
  if (!isObject(schema)) return;
  // TypeScript has one `number`; Stripe's OpenAPI types every numeric parameter here as an integer
  // except application_fee_percent (which, on update, shares `Emptyable<number>` with integers).
  if (propertyName === 'application_fee_percent') {
    if (typeof schema.$ref === 'string') {
      delete schema.$ref;
      schema.anyOf = [{ type: 'null' }, { type: 'string', const: '' }, { type: 'number' }];
    }
    return;
  }
  if (schema.type === 'number') schema.type = 'integer';
  // Only `Emptyable<…>` parameters may be unset with an empty string; a plain string may not be empty.
  if (schema.type === 'string' && schema.const === undefined && schema.enum === undefined) schema.minLength = 1;
  // "A limit on the number of objects to be returned. Limit can range between 1 and 100".
  if (propertyName === 'limit' && String(schema.description).includes('between 1 and 100')) {
    schema.minimum = 1;
    schema.maximum = 100;
  }
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'properties' && isObject(value)) {
      for (const [name, property] of Object.entries(value)) tighten(property, name);
    } else if (key !== 'additionalProperties' || !isObject(value) || !Array.isArray(value.type)) {
      // MetadataParam's values (string | number | null) are left as they are.
      tighten(value, key === 'items' ? propertyName : undefined);
    }
  }
}

const ajv = new Ajv({ allErrors: true, coerceTypes: true, strict: false });

function compile(file: string): ValidateFunction {
  const schema = vendorJson<JsonObject>(`stripe/${file}`);
  tighten(schema);
  return ajv.compile(schema);
}

/** Retrieve endpoints take nothing but `expand`. */
const retrieveSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { expand: { type: 'array', items: { type: 'string', minLength: 1 } } },
};

const VALIDATORS: Record<string, ValidateFunction> = {
  'POST /v1/payment_links': compile('payment-link-create.params.schema.json'),
  'POST /v1/payment_links/:id': compile('payment-link-update.params.schema.json'),
  'GET /v1/payment_links': compile('payment-link-list.params.schema.json'),
  'GET /v1/payment_links/:id': ajv.compile(retrieveSchema),
  'GET /v1/checkout/sessions': compile('checkout-session-list.params.schema.json'),
  'GET /v1/customers/search': compile('customer-search.params.schema.json'),
  'GET /v1/payment_intents/:id': ajv.compile(retrieveSchema),
};

/** `['line_items', '0', 'price']` → `line_items[0][price]`, as Stripe names parameters. */
export const paramName = (path: readonly string[]): string =>
  path.map((part, i) => (i === 0 ? part : `[${part}]`)).join('');

const pathOf = (pointer: string): string[] =>
  pointer
    .split('/')
    .slice(1)
    .map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'));

function valueAt(params: unknown, path: readonly string[]): unknown {
  let node = params;
  for (const part of path) node = isObject(node) || Array.isArray(node) ? (node as JsonObject)[part] : undefined;
  return node;
}

const error = (param: string, message: string, code?: string): StripeParamError => ({
  status: 400,
  type: 'invalid_request_error',
  ...(code ? { code } : {}),
  param,
  message,
});

/** Stripe's wording for an empty string where a parameter cannot be unset. */
const emptyString = (param: string, code: string) =>
  error(
    param,
    `You passed an empty string for '${param}'. We assume empty values are an attempt to unset a parameter; however '${param}' cannot be unset. You should remove '${param}' from your request or supply a non-empty value.`,
    code,
  );

/** Which of several failed branches (anyOf) to report: Stripe names the most specific problem. */
const PRIORITY: Record<string, number> = {
  additionalProperties: 0,
  required: 1,
  minLength: 2,
  type: 3,
  pattern: 4,
  minimum: 5,
  maximum: 5,
  const: 6,
  enum: 6,
};

function toStripeError(e: ErrorObject, raw: Params): StripeParamError {
  const path = pathOf(e.instancePath);
  const param = paramName(path);
  const value = valueAt(raw, path);
  const shown = typeof value === 'string' ? value : JSON.stringify(value);
  switch (e.keyword) {
    case 'additionalProperties': {
      const unknown = paramName([...path, String(e.params.additionalProperty)]);
      return error(unknown, `Received unknown parameter: ${unknown}`, 'parameter_unknown');
    }
    case 'required': {
      const missing = paramName([...path, String(e.params.missingProperty)]);
      return error(missing, `Missing required param: ${missing}.`, 'parameter_missing');
    }
    case 'minLength':
      return emptyString(param, 'parameter_invalid_string_empty');
    case 'type': {
      if (value === '') return emptyString(param, 'parameter_invalid_empty');
      const expected = String(e.params.type);
      if (expected.includes('integer') || expected.includes('number')) {
        return error(param, `Invalid integer: ${shown}`, 'parameter_invalid_integer');
      }
      if (expected.includes('object')) return error(param, 'Invalid hash');
      if (expected.includes('array')) return error(param, 'Invalid array');
      return error(param, `Invalid ${expected}: ${shown}`);
    }
    case 'minimum':
      return error(
        param,
        `This value must be greater than or equal to ${e.params.limit}.`,
        'parameter_invalid_integer',
      );
    case 'maximum':
      return error(param, `This value must be less than or equal to ${e.params.limit}.`, 'parameter_invalid_integer');
    case 'pattern':
      // The only pattern in these schemas is Decimal's.
      return error(param, `Invalid decimal: ${shown}`);
    default:
      return error(param, `Invalid ${param}: ${e.message ?? 'is not valid'}`);
  }
}

function pickError(errors: readonly ErrorObject[], raw: Params): StripeParamError | undefined {
  // An `Emptyable<…>` branch (null, or the empty string) failing says nothing when another branch was meant.
  const meaningful = errors.filter(
    (e) => e.keyword !== 'anyOf' && !(e.keyword === 'type' && e.params.type === 'null') && e.keyword !== 'const',
  );
  const candidates = meaningful.length ? meaningful : errors.filter((e) => e.keyword !== 'anyOf');
  const best = [...candidates].sort(
    (a, b) =>
      (PRIORITY[a.keyword] ?? 9) - (PRIORITY[b.keyword] ?? 9) ||
      b.instancePath.split('/').length - a.instancePath.split('/').length,
  )[0];
  return best ? toStripeError(best, raw) : undefined;
}

/** Where metadata hashes live in a request: `metadata`, `payment_intent_data[metadata]`, … */
function metadataHashes(node: unknown, path: string[] = []): { path: string[]; value: JsonObject }[] {
  if (Array.isArray(node)) return node.flatMap((item, i) => metadataHashes(item, [...path, String(i)]));
  if (!isObject(node)) return [];
  return Object.entries(node).flatMap(([key, value]) =>
    key === 'metadata' && isObject(value) ? [{ path: [...path, key], value }] : metadataHashes(value, [...path, key]),
  );
}

/**
 * Metadata limits, which the schemas cannot express: at most 50 keys, keys up to 40 characters,
 * values up to 500. Worded as Stripe words them (stripe-php #246); Stripe sends no code for these.
 *
 * @see https://docs.stripe.com/metadata#data
 * @see https://github.com/stripe/stripe-php/issues/246
 */
function metadataError(params: Params): StripeParamError | undefined {
  for (const { path, value } of metadataHashes(params)) {
    const param = paramName(path);
    const keys = Object.keys(value);
    if (keys.length > 50) return error(param, `Metadata can have up to 50 keys, but you've set ${keys.length}.`);
    for (const key of keys) {
      if (key.length > 40) return error(param, `Invalid key: ${key} must be a string under 40 characters`);
      const item = value[key];
      if (typeof item === 'string' && item.length > 500) {
        return error(param, `Invalid val: ${item} must be a string under 500 characters`);
      }
    }
  }
  return undefined;
}

/** "One of X or Y is required" rules of the Stripe reference, which the schemas only describe. */
function exactlyOne(item: JsonObject, path: string[], a: string, b: string): StripeParamError | undefined {
  const has = (key: string) => item[key] !== undefined && item[key] !== '';
  if (has(a) && has(b)) {
    return error(
      paramName([...path, b]),
      `You may only specify one of these parameters: ${a}, ${b}.`,
      'parameters_exclusive',
    );
  }
  if (!has(a) && !has(b)) {
    return error(paramName([...path, a]), `You must specify either ${a} or ${b}.`, 'parameter_missing');
  }
  return undefined;
}

/**
 * Per line item exactly one of `price` / `price_data`; in `price_data` exactly one of `product` /
 * `product_data` and one of `unit_amount` / `unit_amount_decimal`.
 *
 * @see https://docs.stripe.com/api/payment-link/create#create_payment_link-line_items
 */
function lineItemError(params: Params): StripeParamError | undefined {
  const items = Array.isArray(params.line_items) ? params.line_items : [];
  for (const [i, item] of items.entries()) {
    if (!isObject(item)) continue;
    const path = ['line_items', String(i)];
    const problem = exactlyOne(item, path, 'price', 'price_data');
    if (problem) return problem;
    if (isObject(item.price_data)) {
      const pricePath = [...path, 'price_data'];
      const data = item.price_data;
      const found =
        exactlyOne(data, pricePath, 'product', 'product_data') ??
        exactlyOne(data, pricePath, 'unit_amount', 'unit_amount_decimal');
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * Validates decoded parameters for a route ("POST /v1/payment_links", "GET /v1/payment_links", …).
 * Returns the error Stripe would answer with (400), or undefined when Stripe would accept them.
 */
export function validateStripeParams(route: string, params: Params): StripeParamError | undefined {
  const validate = VALIDATORS[route];
  if (validate) {
    const copy = structuredClone(params);
    if (!validate(copy)) return pickError(validate.errors ?? [], params);
  }
  if (route === 'POST /v1/payment_links') {
    const lineItems = lineItemError(params);
    if (lineItems) return lineItems;
  }
  return metadataError(params);
}

/** The decoded parameters with form strings coerced as Stripe reads them (numbers, booleans). */
export function coerceStripeParams(route: string, params: Params): Params {
  const copy = structuredClone(params);
  VALIDATORS[route]?.(copy);
  return copy;
}
