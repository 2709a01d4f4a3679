#!/usr/bin/env bash
# Crash safety of the invoice run (issue 11): seeds SUBSCRIPTIONS monthly subscriptions (default
# 4000), kills `meghna billing run` with SIGKILL at random moments until at least 10 kills hit a
# running process (adding 3,000 subscriptions whenever a run finished before its kill), then
# runs it to the end. Afterwards there must be exactly one invoice per subscription, numbers
# without gaps and a clean `meghna ledger check` (which checks both). With
# DATABASE_URL=postgres://…, the same database then gets a second period billed by four runners
# at once, and the same checks. Expects a database without the benchmark organization's invoices.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${MEGHNA_BIN:-.build/debug/meghna}
N=${SUBSCRIPTIONS:-4000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export MEGHNA_DATA_DIR=$work LOG_LEVEL=${LOG_LEVEL:-error}
export DATABASE_URL=${DATABASE_URL:-sqlite://$work/crash.sqlite}
run() { "$BIN" billing run --organization billing-benchmark "$@"; }
count() {  # invoices of the benchmark organization issued on a day
    "$BIN" billing run --organization billing-benchmark --date "$1" --dry-run >/dev/null  # migrations done, nothing written
    python3 - "$1" <<'PY'
import os, sys, subprocess, urllib.parse
url = os.environ["DATABASE_URL"]
sql = "SELECT COUNT(*) FROM invoices i JOIN organizations o ON o.id = i.organization_id WHERE o.slug = 'billing-benchmark' AND i.issue_on = '%s'" % sys.argv[1]
if url.startswith("sqlite"):
    import sqlite3
    print(sqlite3.connect(urllib.parse.urlparse(url).path).execute(sql).fetchone()[0])
else:
    print(subprocess.check_output(["psql", url.split("?")[0], "-tAc", sql], text=True).strip())
PY
}
"$BIN" billing benchmark --subscriptions "$N" --seed-only
KILL_MAX=2.0
# PostgreSQL's first chunk commits after about 2 s: kills up to 3 s land before, inside and after
# it. (Up to 5 s, most runs of what the kills had left finished first, and the test grew to
# 25,000 subscriptions and four minutes.)
if [[ $DATABASE_URL == postgres* ]]; then KILL_MAX=3.0; fi
kills=0
attempts=0
while [ $kills -lt 10 ]; do
    attempts=$((attempts + 1))
    [ $attempts -le 60 ] || { echo "only $kills of $attempts runs were still running when killed"; exit 1; }
    # Started directly (not through a shell function), so $! is meghna itself.
    "$BIN" billing run --organization billing-benchmark --date 2026-11-01 >/dev/null 2>&1 &
    pid=$!
    # Debug builds start in about 0.3 s and bill a few hundred invoices a second on SQLite, half
    # that on PostgreSQL (whose first chunk commits after about 2 s): kills land before, inside
    # and between chunks.
    sleep "$(python3 -c "import random; print(round(random.uniform(0.3, $KILL_MAX), 2))")"
    if kill -9 $pid 2>/dev/null; then
        kills=$((kills + 1))
        wait $pid 2>/dev/null || true
    else
        # The run finished before the kill: give the next runs more to do (a debug build bills
        # about a thousand a second on SQLite, so 3,000 more outlast the longest wait).
        wait $pid 2>/dev/null || true
        N=$((N + 3000))
        "$BIN" billing benchmark --subscriptions "$N" --seed-only
    fi
done
echo "killed $kills runs with SIGKILL ($attempts started); invoices so far: $(count 2026-11-01)"
run --date 2026-11-01
made=$(count 2026-11-01)
[ "$made" = "$N" ] || { echo "expected $N invoices for November, found $made"; exit 1; }
"$BIN" ledger check --organization billing-benchmark
if [[ $DATABASE_URL == postgres* ]]; then
    for i in 1 2 3 4; do "$BIN" billing run --organization billing-benchmark --date 2026-12-01 > "$work/runner$i.log" 2>&1 & done
    wait
    cat "$work"/runner*.log
    made=$(count 2026-12-01)
    [ "$made" = "$N" ] || { echo "four runners: expected $N invoices for December, found $made"; exit 1; }
    "$BIN" ledger check --organization billing-benchmark
fi
echo "crash test passed: $N subscriptions, one invoice each per period, numbers gapless, ledger clean"
