#!/usr/bin/env bash
# Runs the Dockerfile's steps outside a container, as CI does (no container engine runs here):
# install from the lockfile, build, prune to production dependencies, then start the pruned app as
# the image would (`node dist/src/main.js`), once with ROLE=worker and once with ROLE=web on the same
# database, and check /readyz and /metrics on both. Offline-safe: the install comes from npm's cache
# filled by the project's own install (only the npm registry is reachable otherwise).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
node_bin="$(command -v node)" # Node 24 from the project's node_modules when run through npm
"$node_bin" -e 'if (Number(process.versions.node.split(".")[0]) < 22) { console.error("need Node >= 22; run through npm run check:image"); process.exit(1) }'

work="$(mktemp -d)"
chmod 755 "$work" # as root, the embedded PostgreSQL runs as its own user and must reach its data
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "image steps: copy the build context"
cp "$root/package.json" "$root/package-lock.json" "$root/tsconfig.json" "$root/tsconfig.build.json" "$work/"
cp -R "$root/src" "$root/migrations" "$work/"
cd "$work"

echo "image steps: npm install (from the lockfile)"
npm install --no-audit --no-fund --prefer-offline --loglevel=error >/dev/null
echo "image steps: npm run build && npm run prune:production"
npm run build --silent
npm run prune:production --silent >/dev/null
for dev in typescript jest @biomejs/biome tsx; do
  if [ -e "node_modules/$dev" ]; then echo "prune left the dev dependency $dev" >&2; exit 1; fi
done

# port_of FILE MESSAGE: the port logged with MESSAGE in a JSON log file.
port_of() { "$node_bin" -e '
  const [file, msg] = process.argv.slice(1);
  for (const line of require("fs").readFileSync(file, "utf8").split("\n")) {
    try { const l = JSON.parse(line); if (l.msg === msg && l.port) { console.log(l.port); process.exit(0); } } catch {}
  }
  process.exit(1);' "$1" "$2"; }

wait_ready() { # wait_ready PORT LOG
  for _ in $(seq 1 300); do
    if "$node_bin" -e "fetch('http://127.0.0.1:$1/readyz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"; then return 0; fi
    sleep 0.2
  done
  echo "not ready on :$1" >&2; cat "$2" >&2; exit 1
}

free_port() { "$node_bin" -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })'; }

echo "image steps: node dist/src/main.js with ROLE=worker (embedded PostgreSQL) and ROLE=web"
worker_port="$(free_port)"
NODE_ENV=production ROLE=worker PORT="$worker_port" DATA_DIR="$work/data" "$node_bin" dist/src/main.js >"$work/worker.log" 2>&1 &
pids+=("$!")
wait_ready "$worker_port" "$work/worker.log"
pg_port="$(port_of "$work/worker.log" 'embedded PostgreSQL started')"

web_port="$(free_port)"
NODE_ENV=production ROLE=web PORT="$web_port" \
  DATABASE_URL="postgres://postgres:countersign-local@127.0.0.1:$pg_port/countersign" \
  "$node_bin" dist/src/main.js >"$work/web.log" 2>&1 &
pids+=("$!")
wait_ready "$web_port" "$work/web.log"

for port in "$worker_port" "$web_port"; do
  "$node_bin" -e "fetch('http://127.0.0.1:$port/metrics').then(async r => { const t = await r.text(); process.exit(r.ok && /^countersign_outbox_depth 0$/m.test(t) ? 0 : 1) }, () => process.exit(1))" \
    || { echo "no metrics on :$port" >&2; exit 1; }
done
grep -q '"role":"web"' "$work/web.log" && grep -q '"role":"worker"' "$work/worker.log"

# Graceful stop, web first (the worker owns the embedded database).
for i in 1 0; do
  kill -TERM "${pids[$i]}"
  if ! wait "${pids[$i]}"; then echo "a process did not stop cleanly" >&2; cat "$work/web.log" "$work/worker.log" >&2; exit 1; fi
done
pids=()
echo "image steps: ok (install, build, prune, start as web and worker, ready, metrics, clean stop)"
