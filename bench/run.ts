import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { benchReports } from './reports.js';

/**
 * `npm run bench [-- reports|ack|webhooks]`: runs the benchmarks against real PostgreSQL, prints a
 * table and writes bench/results/latest.json. Not part of `npm test`: numbers are reported, not asserted.
 */
const only = process.argv[2];
const results: Record<string, unknown> = {
  machine: {
    cores: os.cpus().length,
    cpu: os.cpus()[0]?.model,
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
  },
  at: new Date().toISOString(),
};

if (!only || only === 'reports') {
  const rows = Number(process.env.BENCH_REPORT_ROWS ?? 1_000_000);
  console.log(`reports: seeding ${rows.toLocaleString('en-US')} requests…`);
  const r = await benchReports(rows);
  results.reports = r;
  console.log(`reports: seeded in ${r.seedSeconds} s`);
  console.table(
    r.reports.map((x) => ({
      report: x.name,
      'median ms': x.medianMs,
      'target ms': 300,
      ok: x.medianMs < 300 ? 'yes' : 'NO',
    })),
  );
}

mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/latest.json', `${JSON.stringify(results, null, 2)}\n`);
console.log('wrote bench/results/latest.json');
process.exit(0);
