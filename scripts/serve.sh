#!/usr/bin/env bash
# Serve Xueshi: gunicorn (gunicorn.conf.py) and one job consumer, side by side.
# Ctrl-C (or SIGTERM) stops both; if either exits, the other is stopped too.
# XUESHI_HOST / XUESHI_PORT (127.0.0.1:8080), XUESHI_WORKERS, XUESHI_THREADS,
# XUESHI_JOB_WORKERS (2) as in the README.
set -uo pipefail
cd "$(dirname "$0")/.."
.venv/bin/flask --app app xueshi worker --workers "${XUESHI_JOB_WORKERS:-2}" &
consumer=$!
.venv/bin/gunicorn -c gunicorn.conf.py &
web=$!
stop() { kill -TERM "$web" "$consumer" 2>/dev/null; }
trap 'stop' INT TERM
wait -n "$web" "$consumer"
status=$?
stop
wait "$web" "$consumer" 2>/dev/null
exit "$status"
