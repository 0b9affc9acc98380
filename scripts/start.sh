#!/usr/bin/env bash
# Install, create the SQLite database with demo data, print the logins and
# serve the admin at http://127.0.0.1:8080 with gunicorn and a job consumer
# (scripts/serve.sh; Ctrl-C stops both).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
export FLASK_APP=app
.venv/bin/flask --app app xueshi init
.venv/bin/flask --app app xueshi demo
echo "==> Xueshi is at http://${XUESHI_HOST:-127.0.0.1}:${XUESHI_PORT:-8080}  (中文界面;英文: /lang/en)"
exec bash scripts/serve.sh
