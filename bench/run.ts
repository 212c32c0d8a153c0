import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { benchLoad } from './load.js';
import { benchReports, REPORT_TARGET_MS } from './reports.js';

/**
 * `npm run bench [-- reports|load]`: runs the benchmarks against real PostgreSQL, prints tables and
 * writes bench/results/latest.json. Targets are ratios against floors measured in the same run; the
 * numbers are reported, never asserted by tests. Exits non-zero if a run ended in a wrong state.
 *
 * The keys of latest.json are a contract other tools read: webhooks.floor.eventsPerSecond,
 * webhooks.countersign.eventsPerSecond, webhooks.countersign.appliedPerSecond, ack.countersign.p99Ms,
 * ack.bareBolt.p99Ms, memory.rounds [{ rssMb, heapUsedMb }], reports.reports [{ name, medianMs }].
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
const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');

if (!only || only === 'reports') {
  const rows = Number(process.env.BENCH_REPORT_ROWS ?? 1_000_000);
  console.log(`reports: seeding ${rows.toLocaleString('en-US')} requests…`);
  const r = await benchReports(rows);
  results.reports = r;
  console.log(`reports: seeded in ${r.seedSeconds} s; closed months summarised in ${r.summarySeconds} s`);
  console.table(
    r.reports.map((x) => ({
      report: x.name,
      'median ms': x.medianMs,
      'target ms': `< ${REPORT_TARGET_MS}`,
      target: verdict(x.medianMs < REPORT_TARGET_MS),
    })),
  );
  for (const check of r.checks) console.log(`reports: ${check.ok ? 'ok' : 'FAILED'} — ${check.name}`);
  if (!r.correct) process.exitCode = 1;
}

if (!only || only === 'load') {
  console.log(
    'load: building the app, then three rounds of approve clicks and webhooks against one web and one worker…',
  );
  execFileSync('npm', ['run', '-s', 'build'], { stdio: 'inherit' });
  const r = await benchLoad({
    clicks: Number(process.env.BENCH_CLICKS ?? 2000),
    events: Number(process.env.BENCH_EVENTS ?? 5000),
  });
  results.ack = r.ack;
  results.webhooks = r.webhooks;
  results.memory = r.memory;
  console.table({
    'ack p50 ms': { countersign: r.ack.countersign.p50Ms, 'bare Bolt (floor)': r.ack.bareBolt.p50Ms },
    'ack p99 ms': { countersign: r.ack.countersign.p99Ms, 'bare Bolt (floor)': r.ack.bareBolt.p99Ms },
  });
  console.log(
    `ack p99: ${r.ack.p99Ratio}× bare Bolt (target ≤ 1.5×: ${verdict(r.ack.p99Ratio <= 1.5)}); ${r.ack.topology}; one approval and one link per click: ${r.ack.correct}`,
  );
  console.table({
    'events/s': {
      floor: r.webhooks.floor.eventsPerSecond,
      countersign: r.webhooks.countersign.eventsPerSecond,
      'raw pg': r.webhooks.rawPg.eventsPerSecond,
    },
    'p99 ms': {
      floor: r.webhooks.floor.p99Ms,
      countersign: r.webhooks.countersign.p99Ms,
      'raw pg': r.webhooks.rawPg.p99Ms,
    },
  });
  console.log(
    `ingestion: ${r.webhooks.ingestionRatio}× the floor (target ≥ 0.9×: ${verdict(r.webhooks.ingestionRatio >= 0.9)})`,
  );
  console.log(
    `applied: ${r.webhooks.countersign.appliedPerSecond} events/s (slowest round; by round ${r.webhooks.countersign.appliedPerSecondByRound.join(', ')}) = ${r.webhooks.appliedRatio}× ingested (target ≥ 0.8×: ${verdict(r.webhooks.appliedRatio >= 0.8)}); ${r.webhooks.countersign.statementsPerAppliedEvent} statements per applied event; every payment recorded once: ${r.webhooks.correct}`,
  );
  console.table(
    r.memory.rounds.map((m, i) => ({ round: i + 1, ...m, worker: `${r.memory.workerRounds[i]?.rssMb} MB` })),
  );
  const [first, , last] = r.memory.rounds;
  const growth = first && last ? Math.round((last.rssMb / first.rssMb) * 100) / 100 : Number.NaN;
  console.log(`memory: RSS after round 3 = ${growth}× round 1 (target ≤ 1.1×: ${verdict(growth <= 1.1)})`);
  if (!r.ack.correct || !r.webhooks.correct) process.exitCode = 1;
}

// A run of one section keeps the other sections of the previous results, so every key stays present.
const LATEST = 'bench/results/latest.json';
const previous =
  only && existsSync(LATEST) ? (JSON.parse(readFileSync(LATEST, 'utf8')) as Record<string, unknown>) : {};
mkdirSync('bench/results', { recursive: true });
writeFileSync(LATEST, `${JSON.stringify({ ...previous, ...results }, null, 2)}\n`);
console.log('wrote bench/results/latest.json');
process.exit(process.exitCode ?? 0);
