#!/usr/bin/env bash
# Install everything Xueshi needs on a fresh Debian 12 machine. Idempotent.
#   Debian packages: Chromium (browser tests), a CJK font (PDFs, screenshots),
#   poppler-utils (PDF checks), python3-venv; then .venv with pinned packages.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "==> apt-get install ${missing[*]}"
    $SUDO apt-get update -q
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${missing[@]}"
  fi
}

apt_install chromium chromium-driver fonts-wqy-microhei poppler-utils zbar-tools python3-venv

PYTHON=${PYTHON:-}
if [ -z "$PYTHON" ]; then
  if command -v python3.11 >/dev/null; then PYTHON=python3.11; else PYTHON=python3; fi
fi
if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv with $PYTHON"
  "$PYTHON" -m venv .venv
fi
echo "==> installing Python packages (pinned in pyproject.toml and constraints.txt)"
.venv/bin/python -m pip install -q --disable-pip-version-check -c constraints.txt -e ".[test]"
