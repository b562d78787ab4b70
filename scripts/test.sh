#!/usr/bin/env bash
# `npm test`: every Jest project (unit, integration, e2e) once, against what the environment
# configures: PostgreSQL + BullMQ when BLNK_DATA_SOURCE_DNS / BLNK_REDIS_DNS are set (as .ci/run
# does), else embedded PGlite + the in-process queue.
#
# With PostgreSQL or Redis configured, the suites where the two modes differ most (queued engine,
# races, concurrent load), the fuzz test of hostile input, the outbox's webhooks and hooks, and
# historical balances and snapshots, and the logs (the background work then runs in the API's
# process, where what it logs must not be taken for a request's), and telemetry and the metrics
# of the processes (the API then drains, so its spans and counters are the worker's) run
# a second time embedded, the product's default mode, so CI checks both. queued-crash and scale-out are not among them: they
# need separate worker processes on real PostgreSQL and Redis. Arguments go to the first pass only and skip the
# second (`npm test -- <path>` runs one file once); NERACA_TEST_EMBEDDED_PASS=0 skips it too.
set -euo pipefail
cd "$(dirname "$0")/.."
export NODE_OPTIONS="${NODE_OPTIONS:+$NODE_OPTIONS }--experimental-vm-modules"

EMBEDDED_SUITES='test/e2e/(queued(?!-crash)[^/]*|races|concurrency|fuzz|webhooks|transaction-hooks|balance-history[^/]*|fund-lineage[^/]*|idempotency[^/]*|search[^/]*|accounts|backup[^/]*|logging|telemetry|metrics-processes)\.e2e\.spec\.ts$'

npx jest --runInBand "$@"

if [ $# -eq 0 ] && [ "${NERACA_TEST_EMBEDDED_PASS:-1}" != 0 ] &&
  [ -n "${BLNK_DATA_SOURCE_DNS:-}${BLNK_REDIS_DNS:-}" ]; then
  echo
  echo "== queued, race, load and fuzz suites again, embedded (PGlite + in-process queue)"
  env -u BLNK_DATA_SOURCE_DNS -u BLNK_REDIS_DNS \
    npx jest --runInBand --selectProjects e2e --testPathPatterns "$EMBEDDED_SUITES"
fi
