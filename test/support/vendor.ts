import { readFileSync } from 'node:fs';

/**
 * Vendor artefacts (Slack, Stripe, OpenAI) copied into test/fixtures/vendor, with their sources and
 * licences in test/fixtures/vendor/NOTICE. Tests read only these copies, so a clean clone runs alone.
 */
const cache = new Map<string, string>();

export function vendorText(path: string): string {
  let text = cache.get(path);
  if (text === undefined) {
    text = readFileSync(new URL(`../fixtures/vendor/${path}`, import.meta.url), 'utf8');
    cache.set(path, text);
  }
  return text;
}

/** A fresh copy each time: callers fill the samples in place. */
export function vendorJson<T>(path: string): T {
  return JSON.parse(vendorText(path)) as T;
}

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
