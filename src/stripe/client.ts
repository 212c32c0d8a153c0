import Stripe from 'stripe';
import type { Config } from '../config.js';
import type { CustomerMatch } from './gateway.js';

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
export async function searchCustomers(client: Stripe, query: string): Promise<CustomerMatch[]> {
  const escaped = query.replace(/["\\]/g, '');
  const found = await client.customers.search({ query: `name~"${escaped}" OR email~"${escaped}"`, limit: 5 });
  return found.data.map((c) => ({ id: c.id, name: c.name ?? null, email: c.email ?? null }));
}

/**
 * Checks at startup that the key can do what Countersign needs, naming any missing permission of a
 * restricted key. Only read calls: nothing is created. Returns the problems found.
 */
export async function checkStripeAccess(client: Stripe): Promise<string[]> {
  const checks: { permission: string; call: () => Promise<unknown> }[] = [
    { permission: 'Payment Links (write)', call: () => client.paymentLinks.list({ limit: 1 }) },
    { permission: 'Checkout Sessions (read)', call: () => client.checkout.sessions.list({ limit: 1 }) },
  ];
  const problems: string[] = [];
  for (const check of checks) {
    try {
      await check.call();
    } catch (error) {
      if (error instanceof Stripe.errors.StripePermissionError) {
        problems.push(
          `STRIPE_SECRET_KEY lacks the permission "${check.permission}": grant it to the restricted key in the Stripe Dashboard (Developers → API keys)`,
        );
      } else if (error instanceof Stripe.errors.StripeAuthenticationError) {
        return [
          'Stripe rejected STRIPE_SECRET_KEY (authentication failed): copy a current secret (sk_…) or restricted (rk_…) key from the Stripe Dashboard (Developers → API keys) into STRIPE_SECRET_KEY; approved requests cannot get payment links until then',
        ];
      } else {
        problems.push(
          `could not check "${check.permission}": ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
  }
  return problems;
}
