#!/usr/bin/env bash
# One command for a fresh machine: set up, then colourize a film to MP4 with the built-in model.
#   bash scripts/colorize.sh [FILM] [OUTPUT.mp4] [more chromareel colorize options…]
# Without FILM it colourizes a sample: the black-and-white clip in ../shared when present,
# otherwise a grey copy of the committed 8 s CC BY clip test/fixtures/video/people-entering-room-320x180.mp4
# (see test/fixtures/README.md). Without OUTPUT the result goes to
# colourized/<name>-colour.mp4 in the checkout (never beside the input).
set -euo pipefail
caller_dir=$(pwd)
cd "$(dirname "$0")/.."
repo=$(pwd)
bash scripts/setup.sh

# Paths given by the caller are relative to where they ran the command.
absolute() { case "$1" in /*) printf '%s' "$1" ;; *) printf '%s/%s' "$caller_dir" "$1" ;; esac; }

film="${1:-}"
if [ -z "$film" ]; then
  if [ -f ../shared/data/video/bw-film-1950s-interior.mp4 ]; then
    film="$repo/../shared/data/video/bw-film-1950s-interior.mp4"
  else
    mkdir -p samples
    film="$repo/samples/people-entering-room-grey.mp4"
    [ -f "$film" ] || ffmpeg -hide_banner -loglevel error -i test/fixtures/video/people-entering-room-320x180.mp4 \
      -vf format=gray,format=yuv420p -c:v libx264 -crf 18 "$film"
  fi
else
  film=$(absolute "$film")
fi
shift || true
output="${1:-}"
if [ -z "$output" ]; then
  mkdir -p colourized
  base=$(basename "${film%.*}")
  output="$repo/colourized/${base}-colour.mp4"
  n=2
  while [ -e "$output" ]; do output="$repo/colourized/${base}-colour-$n.mp4"; n=$((n + 1)); done
else
  output=$(absolute "$output")
  shift
fi
echo "Colourizing $film → $output" >&2
exec node bin/chromareel.js colorize "$film" -o "$output" "$@"
