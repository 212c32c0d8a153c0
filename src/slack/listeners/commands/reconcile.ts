import type { Subcommand } from './subcommand.js';

export const reconcile: Subcommand = {
  name: 'reconcile',
  usage: '/charges reconcile',
  what: 'Admins: ask Stripe about every open payment link now and record payments whose webhook never arrived.',
  audience: 'admins',
  async run(deps, run) {
    if (!deps.admin.reconcile) {
      return run.reply('Stripe is not configured (STRIPE_SECRET_KEY), so there is nothing to reconcile.');
    }
    await run.reply(':mag: Checking open payment links against Stripe…');
    const { checked, recorded } = await deps.admin.reconcile();
    return run.reply(
      `Checked ${checked} payment ${checked === 1 ? 'link' : 'links'} (open, or closed in the last two days); recorded ${recorded} ${recorded === 1 ? 'payment' : 'payments'} that no webhook had brought.`,
    );
  },
};
