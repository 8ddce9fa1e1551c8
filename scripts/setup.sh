#!/usr/bin/env bash
# Sets up ChromaReel on a fresh machine: checks Node, installs Debian ffmpeg (and, with --test,
# Chromium for the end-to-end tests) when missing, then installs the npm packages with `npm ci`.
# Safe to run again: it skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

want_test_tools=0
[ "${1:-}" = "--test" ] && want_test_tools=1

say() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }

if ! command -v node >/dev/null 2>&1; then
  say "Node.js is missing: install Node.js 20.19 or newer (https://nodejs.org or your package manager), then run this again."
  exit 1
fi
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' || {
  say "Node.js $(node --version) is too old: ChromaReel needs 20.19 or newer."
  exit 1
}

missing_debs=()
if [ -z "${FFMPEG_PATH:-}" ] && ! command -v ffmpeg >/dev/null 2>&1; then missing_debs+=(ffmpeg); fi
if [ "$want_test_tools" = 1 ] && [ ! -x /usr/bin/chromium ]; then missing_debs+=(chromium); fi
if [ "${#missing_debs[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "Installing Debian packages: ${missing_debs[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing_debs[@]}" >/dev/null
  else
    say "Missing: ${missing_debs[*]}. Install them, e.g. 'sudo apt-get install ${missing_debs[*]}' on Debian/Ubuntu,"
    say "'brew install ffmpeg' on macOS, or set FFMPEG_PATH and FFPROBE_PATH to your ffmpeg binaries; then run this again."
    exit 1
  fi
fi

# npm ci only when the installed packages don't match the lock file (it also builds dist/ via "prepare").
lock_hash=$(sha256sum package-lock.json | cut -c1-64)
if [ ! -f node_modules/.chromareel-lock ] || [ "$(cat node_modules/.chromareel-lock)" != "$lock_hash" ]; then
  say "Installing npm packages (npm ci)…"
  npm ci --no-audit --no-fund
  echo "$lock_hash" > node_modules/.chromareel-lock
else
  npm run --silent build:node
fi
say "Ready."
