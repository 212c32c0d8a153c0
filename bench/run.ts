import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { benchLoad } from './load.js';
import { benchReports } from './reports.js';

/**
 * `npm run bench [-- reports|load]`: runs the benchmarks against real PostgreSQL, prints a
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

if (!only || only === 'load') {
  console.log('load: building the app, seeding, then 2,000 approve clicks and 5,000 webhooks…');
  execFileSync('npm', ['run', '-s', 'build'], { stdio: 'inherit' });
  const r = await benchLoad();
  results.load = r;
  console.table({
    'ack p50 ms': { countersign: r.ack.countersign.p50Ms, 'bare Bolt': r.ack.bareBolt.p50Ms },
    'ack p99 ms': { countersign: r.ack.countersign.p99Ms, 'bare Bolt': r.ack.bareBolt.p99Ms },
  });
  console.log(
    `ack: p99 ratio ${r.ack.p99Ratio}× (target ≤ 1.5×, p99 < 100 ms); all ${r.ack.requests} approvals made one link each: ${r.ack.correct}`,
  );
  console.table({
    'events/s': {
      countersign: r.webhooks.countersign.eventsPerSecond,
      'pg baseline': r.webhooks.baseline.eventsPerSecond,
    },
    'p99 ms': { countersign: r.webhooks.countersign.p99Ms, 'pg baseline': r.webhooks.baseline.p99Ms },
    'applied/s': { countersign: r.webhooks.countersign.appliedPerSecond, 'pg baseline': '—' },
  });
  console.log(
    `webhooks: ${r.webhooks.ratio}× the baseline (target ≥ 0.5×); final state correct: ${r.webhooks.correct}`,
  );
  console.table(r.memory);
  if (!r.ack.correct || !r.webhooks.correct) process.exitCode = 1;
}

mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/latest.json', `${JSON.stringify(results, null, 2)}\n`);
console.log('wrote bench/results/latest.json');
process.exit(process.exitCode ?? 0);
