// Preloaded into the benchmarked app (node --expose-gc --import ./bench/memory-probe.mjs …): on
// SIGUSR2 it forces a garbage collection and prints the process's memory as one JSON line, so the
// benchmark reads RSS and heapUsed after GC without any benchmark code in the app itself.
process.on('SIGUSR2', () => {
  globalThis.gc?.();
  const { rss, heapUsed } = process.memoryUsage();
  process.stdout.write(`${JSON.stringify({ memoryProbe: { rss, heapUsed } })}\n`);
});
