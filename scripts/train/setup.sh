#!/usr/bin/env bash
# Installs what scripts/train needs from Debian (PyPI is not reachable): torch, torchvision, onnx,
# PIL, numpy for /usr/bin/python3. onnxruntime-node (for check-onnx.mjs) comes with the repo's npm deps.
set -euo pipefail
PACKAGES=(python3-torch python3-torchvision python3-onnx python3-pil python3-numpy)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "scripts/train: all Debian packages present (${PACKAGES[*]})"
else
  echo "scripts/train: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y "${missing[@]}"
fi
/usr/bin/python3 -c 'import torch, onnx, numpy, PIL; print("torch", torch.__version__, "onnx", onnx.__version__)'
