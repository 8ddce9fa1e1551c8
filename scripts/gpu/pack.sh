#!/usr/bin/env bash
# Packs what the GPU run (issue 17, README "The GPU run") needs into .gpu/ (git-ignored), for the
# device tool, which carries at most 64 MiB with the working tree and reaches no network:
#   node.tar.xz     this machine's Node binary
#   nm-run.tar.xz   the run-time node_modules (scripts/gpu/closure.mjs) and tsx; onnxruntime-node for
#                   Linux x64 only; no sharp (a film's render never loads it)
#   ff.tar.xz       ffmpeg and ffprobe built from Debian's ffmpeg source with NVENC and x264
#   gl/             the Vulkan and GL loaders that WebGPU needs there
#   clip.mp4        a 25 fps clip (default: ../shared's plaza clip, 1280x720)
# Then, from the repo root, run with the device tool:
#   command: bash scripts/gpu/run.sh      carry: the paths this script prints at the end
# Needs root once for the ffmpeg build's packages (deb-src, nasm, libx264-dev, libffmpeg-nvenc-dev).
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=.gpu
CLIP=${1:-../shared/data/video/plaza-crowd-overhead.mp4}
mkdir -p "$OUT/gl"

[ -f "$CLIP" ] || { echo "No clip at $CLIP; give a 25 fps clip as the first argument." >&2; exit 1; }
install -m 0644 "$CLIP" "$OUT/clip.mp4"

echo "Node $(node -v)"
tar -C "$(dirname "$(readlink -f "$(command -v node)")")" -cf - node | xz -T2 -9 > "$OUT/node.tar.xz"

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
node scripts/gpu/closure.mjs cli-progress commander onnxruntime-node ws zod tsx | while read -r dir; do
  cp -a --parents "$dir" "$stage/"
done
rm -rf "$stage"/node_modules/onnxruntime-node/bin/napi-v6/{darwin,win32,linux/arm64}
(cd "$stage" && tar -cf - node_modules) | xz -T2 -9 > "$OUT/nm-run.tar.xz"

if [ ! -f "$OUT/ff.tar.xz" ]; then
  if ! grep -rqs '^Types: deb-src' /etc/apt/sources.list.d/ && ! grep -qs '^deb-src' /etc/apt/sources.list; then
    printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: bookworm bookworm-updates\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
      > /etc/apt/sources.list.d/chromareel-src.sources
    apt-get update -qq
  fi
  apt-get install -y -qq nasm libx264-dev libffmpeg-nvenc-dev dpkg-dev pkg-config > /dev/null
  build="$OUT/build"
  rm -rf "$build" && mkdir -p "$build"
  (cd "$build" && apt-get source --download-only ffmpeg > /dev/null 2>&1 && tar -xf ffmpeg_*.orig.tar.xz)
  src=$(echo "$build"/ffmpeg-*/)
  # Every internal codec, format and filter the engine might meet; of outside libraries only x264,
  # zlib and NVENC's headers (NVENC loads the driver's library at run time).
  (cd "$src" && ./configure --prefix="$PWD/../ff" --enable-gpl --enable-libx264 --enable-ffnvcodec --enable-nvenc \
    --disable-autodetect --enable-zlib --enable-pthreads --disable-doc --disable-ffplay --disable-debug > ../configure.log &&
    make -j"$(nproc)" > ../make.log 2>&1 && make install > /dev/null)
  mkdir -p "$build/ff/lib"
  cp -L "$(ldconfig -p | awk '/libx264\.so\./ {print $NF; exit}')" "$build/ff/lib/"
  (cd "$build/ff" && tar -cf - bin/ffmpeg bin/ffprobe lib/libx264.so.*) | xz -T2 -9 > "$OUT/ff.tar.xz"
  rm -rf "$build"
fi

lists=$(mktemp -d)
o="-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=$lists"
mkdir -p "$lists/partial"
apt-get $o update -qq
(cd "$OUT/gl" && apt-get $o download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2 > /dev/null 2>&1)
rm -rf "$lists"

carried=(.gpu/node.tar.xz .gpu/nm-run.tar.xz .gpu/ff.tar.xz .gpu/gl .gpu/clip.mp4)
tree=$(git ls-files -z | xargs -0 du -cb | tail -1 | cut -f1)
extra=$(du -cb "${carried[@]}" | tail -1 | cut -f1)
echo "carry: [$(printf '"%s", ' "${carried[@]}" | sed 's/, $//')]"
echo "working tree $((tree / 1048576)) MiB + carried $((extra / 1048576)) MiB = $(((tree + extra) / 1048576)) MiB of the 64 the device tool takes"
