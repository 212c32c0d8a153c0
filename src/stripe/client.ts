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
 * A payment link id Stripe never issues. Updating it proves write access and changes nothing: Stripe
 * checks a restricted key's permission for the endpoint first (403 when it lacks it), then finds no
 * such link (404 resource_missing).
 */
export const PERMISSION_CHECK_LINK_ID = 'plink_countersign_permission_check';

interface AccessCheck {
  /** As the Stripe Dashboard names it on a restricted key (Developers → API keys). */
  readonly permission: string;
  readonly call: () => Promise<unknown>;
  /** An error that still proves the access (the call reached the endpoint's own checks). */
  readonly proves?: (error: unknown) => boolean;
}

/**
 * Checks at startup that the key can do what Countersign needs, naming any permission a restricted
 * key lacks. Nothing is created or changed: reads, and an update of a link that does not exist.
 * Returns the problems found.
 */
export async function checkStripeAccess(client: Stripe): Promise<string[]> {
  const checks: AccessCheck[] = [
    {
      permission: 'Payment Links: write',
      call: () => client.paymentLinks.update(PERMISSION_CHECK_LINK_ID, {}),
      proves: (error) => error instanceof Stripe.errors.StripeInvalidRequestError && error.code === 'resource_missing',
    },
    { permission: 'Checkout Sessions: read', call: () => client.checkout.sessions.list({ limit: 1 }) },
  ];
  const problems: string[] = [];
  for (const check of checks) {
    try {
      await check.call();
    } catch (error) {
      if (check.proves?.(error)) continue;
      if (error instanceof Stripe.errors.StripePermissionError) {
        problems.push(
          `STRIPE_SECRET_KEY lacks the permission "${check.permission}" (Stripe said: ${error.message}): grant it to the restricted key in the Stripe Dashboard (Developers → API keys)`,
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
