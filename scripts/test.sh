#!/usr/bin/env bash
# Install everything, then run the whole suite on SQLite and on PostgreSQL.
# PostgreSQL: 127.0.0.1:5432, user postgres (trust); installed and started if needed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
if ! command -v pg_lsclusters >/dev/null; then
  echo "==> installing PostgreSQL"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q postgresql
fi
if ! pg_isready -h 127.0.0.1 -p 5432 -q; then
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  echo "==> starting PostgreSQL $version"
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main start || $SUDO pg_ctlcluster "$version" main start
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
fi
pg_isready -h 127.0.0.1 -p 5432 || { echo "PostgreSQL is not reachable on 127.0.0.1:5432" >&2; exit 1; }

# Redis for the production-mode tests (tests/test_production.py): installed and started if needed.
if ! command -v redis-server >/dev/null; then
  echo "==> installing Redis"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q redis-server
fi
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  echo "==> starting Redis"
  $SUDO redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
  for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.5; done
fi
redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null || { echo "Redis is not reachable on 127.0.0.1:6379" >&2; exit 1; }
REDIS_URL=${XUESHI_TEST_REDIS_URL:-redis://127.0.0.1:6379/1}
# The PostgreSQL run's production-mode tests flush their own Redis database: the next number.
if [[ "$REDIS_URL" =~ ^(.*/)([0-9]+)$ ]]; then
  REDIS_PG_URL=${XUESHI_TEST_REDIS_PG_URL:-${BASH_REMATCH[1]}$(( BASH_REMATCH[2] + 1 ))}
else
  REDIS_PG_URL=${XUESHI_TEST_REDIS_PG_URL:-redis://127.0.0.1:6379/2}
fi

# The tests make their own PostgreSQL databases (tests/conftest.py: one set per worker).
PG_URL=${XUESHI_PG_TEST_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/xueshi_test}
# The SQLite run's few PostgreSQL tests (tests/test_production.py) use databases of
# another name, so the two runs can go side by side.
PG_URL_SQLITE_RUN="${PG_URL}_sqlite"
# One pytest-xdist worker per core; a file's tests stay together in one worker (they
# share module fixtures), and the files run in the suite's order (slow ones first).
PARALLEL=(-n "${XUESHI_TEST_WORKERS:-$(nproc)}" --dist loadfile --no-loadscope-reorder)

sqlite_run() {
  env -u XUESHI_TEST_DATABASE_URL XUESHI_PG_TEST_URL="$PG_URL_SQLITE_RUN" XUESHI_TEST_REDIS_URL="$REDIS_URL" \
    .venv/bin/python -m pytest -q "${PARALLEL[@]}" "$@"
}
pg_run() {
  XUESHI_TEST_DATABASE_URL="$PG_URL" XUESHI_PG_TEST_URL="$PG_URL" XUESHI_TEST_REDIS_URL="$REDIS_PG_URL" \
    .venv/bin/python -m pytest -q "${PARALLEL[@]}" "$@"
}

if [ "${XUESHI_TEST_SEQUENTIAL:-0}" = 1 ]; then
  echo "==> test suite on SQLite"
  sqlite_run "$@"
  echo "==> test suite on PostgreSQL ($PG_URL)"
  pg_run "$@"
  exit 0
fi

# Both runs at once (XUESHI_TEST_SEQUENTIAL=1: one after the other): a run alone leaves
# the cores idle while it waits on subprocesses, servers and browsers, and at its tail;
# side by side the two fill each other's gaps. Each run's output is shown when it ends.
logs=$(mktemp -d)
echo "==> test suite on SQLite and on PostgreSQL ($PG_URL), side by side"
sqlite_run "$@" >"$logs/sqlite.log" 2>&1 &
sqlite_pid=$!
pg_run "$@" >"$logs/pg.log" 2>&1 &
pg_pid=$!
sqlite_rc=0; pg_rc=0
wait "$sqlite_pid" || sqlite_rc=$?
echo "==> test suite on SQLite (exit $sqlite_rc)"
cat "$logs/sqlite.log"
wait "$pg_pid" || pg_rc=$?
echo "==> test suite on PostgreSQL ($PG_URL) (exit $pg_rc)"
cat "$logs/pg.log"
rm -rf "$logs"
[ "$sqlite_rc" -eq 0 ] && [ "$pg_rc" -eq 0 ]
