import { describe, expect, test } from '@jest/globals';
import type { CurrencyTotals } from '../../src/persistence/reports.js';
import { reportBlocks } from '../../src/slack/blocks/report.js';
import type { UsageReport } from '../../src/use-cases/usage-report.js';

const totals: CurrencyTotals = {
  currency: 'USD',
  requested: 10,
  requestedMinor: 100_000n,
  approved: 8,
  approvedMinor: 80_000n,
  rejected: 1,
  rejectedMinor: 10_000n,
  paid: 6,
  paidMinor: 60_000n,
  outstanding: 1,
  outstandingMinor: 10_000n,
  linked: 7,
  flagged: 0,
  medianApproveSeconds: 7_230,
  medianPaySeconds: 86_800,
};

const report = (t: CurrencyTotals): UsageReport => ({
  period: { start: new Date(0), end: new Date(1), label: 'last 365 days (UTC)', zone: 'UTC' },
  totals: [t],
  topRequesters: [],
  topChannels: [],
  ai: { runs: 0, proposals: 0, failures: 0, inputTokens: 0n, outputTokens: 0n, estimatedCostMicroUsd: 0n },
});

describe('report medians', () => {
  test('when the medians are exact, then they are shown as they are', () => {
    const blocks = JSON.stringify(reportBlocks(report(totals)).blocks);
    expect(blocks).toContain('median time to approve 2h 1m, to pay 1d 0h');
    expect(blocks).not.toContain('≈');
  });

  test('when the medians come from monthly summaries, then the report marks them and states the bound', () => {
    const blocks = JSON.stringify(reportBlocks(report({ ...totals, medianRelativeError: 0.01 })).blocks);
    expect(blocks).toContain('median time to approve ≈ 2h 1m, to pay ≈ 1d 0h (within 1%)');
  });
});
