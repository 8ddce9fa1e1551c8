#!/usr/bin/env bash
# One command for a fresh machine: set up, then colourize a film to MP4 with the built-in model.
#   bash scripts/colorize.sh [FILM] [OUTPUT.mp4] [more chromareel colorize options…]
# Without FILM it colourizes a sample: the black-and-white clip in ../shared when present,
# otherwise a short grey test film made with ffmpeg.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

film="${1:-}"
if [ -z "$film" ]; then
  if [ -f ../shared/data/video/bw-film-1950s-interior.mp4 ]; then
    film=../shared/data/video/bw-film-1950s-interior.mp4
  else
    mkdir -p samples
    film=samples/grey-sample.mp4
    [ -f "$film" ] || ffmpeg -hide_banner -loglevel error -f lavfi -i "testsrc2=size=640x360:rate=24:duration=5" \
      -vf format=gray,format=yuv420p -c:v libx264 -crf 18 "$film"
  fi
fi
shift || true
output="${1:-}"
if [ -z "$output" ]; then
  base=$(basename "${film%.*}")
  output="${base}-colour.mp4"
else
  shift
fi
echo "Colourizing $film → $output" >&2
exec node bin/chromareel.js colorize "$film" -o "$output" "$@"
