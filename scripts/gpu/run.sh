#!/usr/bin/env bash
# Issue 17's GPU run, on the device tool's machine (no network; see scripts/gpu/pack.sh for what is
# carried there): unpacks Node, node_modules and ffmpeg, says what the machine has (GPU, NVENC,
# onnxruntime's providers), tries --device cuda then webgpu on a 2 s clip, and runs
# `npm run bench -- --only gpu` at 1080p with the device that worked. Everything lands in $OUT.
set -u
cd "$(dirname "$0")/../.."
G=.gpu
OUT=${OUT:-$PWD/.gpu/out}
mkdir -p "$OUT" /tmp/node /tmp/ff
tar -xJf $G/node.tar.xz -C /tmp/node && tar -xJf $G/nm-run.tar.xz && tar -xJf $G/ff.tar.xz -C /tmp/ff || exit 1
export PATH=/tmp/node:$PATH LD_LIBRARY_PATH=/tmp/ff/lib:${LD_LIBRARY_PATH:-}
export FFMPEG_PATH=/tmp/ff/bin/ffmpeg FFPROBE_PATH=/tmp/ff/bin/ffprobe
# WebGPU (Dawn) needs the Vulkan loader, which the machine's image lacks; the driver brings its ICD.
for f in $G/gl/*.deb; do dpkg -x "$f" /; done
ldconfig
{
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
  echo "cores $(nproc), node $(node -v), $($FFMPEG_PATH -hide_banner -version | head -1)"
  $FFMPEG_PATH -hide_banner -encoders 2>/dev/null | grep nvenc
  timeout 30 $FFMPEG_PATH -hide_banner -loglevel error -f lavfi -i testsrc2=size=1280x720:duration=1 -c:v h264_nvenc -f null - && echo 'NVENC trial encode: ok'
  node -e "console.log('onnxruntime-node backends', JSON.stringify(require('onnxruntime-node').listSupportedBackends()))"
} > "$OUT/probe.txt" 2>&1
cat "$OUT/probe.txt"

# onnxruntime's CUDA add-on, if this machine has one of the same version (npm's onnxruntime-node
# fetches it from GitHub at install time, which no machine here can reach).
cuda_lib=$(find / -xdev -name 'libonnxruntime_providers_cuda.so' 2>/dev/null | head -1)
if [ -n "$cuda_lib" ]; then
  cp "$cuda_lib" "$(dirname "$cuda_lib")/libonnxruntime_providers_shared.so" node_modules/onnxruntime-node/bin/napi-v6/linux/x64/
fi

node scripts/build-node.mjs
$FFMPEG_PATH -hide_banner -loglevel error -i $G/clip.mp4 -t 2 -vf scale=1920:1080 -c:v libx264 -preset veryfast -y /tmp/smoke.mp4
device=cpu
for candidate in cuda webgpu; do
  timeout 90 node bin/chromareel.js colorize /tmp/smoke.mp4 -o /tmp/smoke-$candidate.mp4 --overwrite --device $candidate --encoder auto --json \
    > "$OUT/smoke-$candidate.txt" 2>&1
  grep -h '"notice"' "$OUT/smoke-$candidate.txt" | cut -c1-300
  if grep -q "\"type\":\"result\".*\"provider\":\"$candidate\"" "$OUT/smoke-$candidate.txt"; then device=$candidate; break; fi
done
echo "colourizing on: $device"

timeout "${BENCH_SECONDS:-300}" node node_modules/tsx/dist/cli.mjs scripts/bench/run.ts --only gpu --device $device --clip $G/clip.mp4 \
  --seconds 12 --repeat "${REPEAT:-3}" > "$OUT/bench-gpu.txt" 2>&1
echo "bench rc $?"
cp .bench/bench.json "$OUT/bench-gpu.json" 2>/dev/null
grep -A30 'Values' "$OUT/bench-gpu.txt"
