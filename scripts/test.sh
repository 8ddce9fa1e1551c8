#!/usr/bin/env bash
# One command for a fresh machine: set up (incl. Chromium for the end-to-end tests) and run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
npm run --silent typecheck
npm run --silent lint
npx prettier --check . --log-level warn
npx vite build --config renderer/vite.config.ts --logLevel warn
# Python training tests run only where the Debian torch packages are installed.
if /usr/bin/python3 -c 'import torch, onnx' 2>/dev/null; then
  # -v: one line per test, so a skipped one shows its reason (e.g. ../shared's val photos are absent).
  /usr/bin/python3 -m unittest discover -v -s scripts/train -p 'test_*.py'
else
  echo "Skipping the Python training tests: python3-torch / python3-onnx are not installed (bash scripts/train/setup.sh installs them)."
fi
npx vitest run
