#!/bin/sh
# Installs the benchmark peers from Debian: PyTorch and NumPy for /usr/bin/python3, and
# OpenBLAS so NumPy's matmul runs on it (Debian's numpy otherwise links the reference
# BLAS, ~70x slower: bench/common.ts peerBlas says so in every report). OpenBLAS 0.3.21 runs
# SSE3 kernels on CPU models newer than it knows; the bench then sets OPENBLAS_CORETYPE for the
# peers from /proc/cpuinfo and records it. tfjs peers are npm devDependencies: npm i -D @tensorflow/tfjs @tensorflow/tfjs-backend-wasm
set -e
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
$SUDO apt-get install -y python3-numpy python3-torch libopenblas0-pthread
/usr/bin/python3 - <<'PY'
import numpy, torch
print('numpy', numpy.__version__, '| torch', torch.__version__, '| threads', torch.get_num_threads())
PY
