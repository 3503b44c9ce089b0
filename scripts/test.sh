#!/usr/bin/env bash
# Runs the whole test suite against the real stack (see tests/conftest.py).
set -euo pipefail
cd "$(dirname "$0")/.."
find wp-plugin scripts -name '*.php' -print0 | xargs -0 -n1 php -l >/dev/null
exec .venv/bin/python -m pytest -p no:cacheprovider "$@"
