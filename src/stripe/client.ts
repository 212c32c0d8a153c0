import Stripe from 'stripe';
import type { Config } from '../config.js';

/** The Stripe client, pointed at STRIPE_API_BASE when set (stripe-mock, a proxy, tests). */
export function createStripeClient(stripe: Config['stripe']): Stripe | undefined {
  if (!stripe.secretKey) return undefined;
  const base = stripe.apiBase ? new URL(stripe.apiBase) : undefined;
  return new Stripe(stripe.secretKey, {
    maxNetworkRetries: 2,
    timeout: 20_000,
    appInfo: { name: 'Countersign' },
    ...(base
      ? {
          host: base.hostname,
          port: base.port ? Number(base.port) : base.protocol === 'https:' ? 443 : 80,
          protocol: base.protocol === 'http:' ? 'http' : 'https',
        }
      : {}),
  });
}

/** Test keys (sk_test_, rk_test_) move no real money; cards say so. */
export function isTestMode(stripe: Config['stripe']): boolean {
  return /^(sk|rk)_test_/.test(stripe.secretKey ?? '');
}

/** Read-only customer search for the agent's find_customer tool. */
export async function searchCustomers(client: Stripe, query: string) {
  const escaped = query.replace(/["\\]/g, '');
  const found = await client.customers.search({ query: `name~"${escaped}" OR email~"${escaped}"`, limit: 5 });
  return found.data.map((c) => ({ id: c.id, name: c.name ?? null, email: c.email ?? null }));
}
